import { TransferEventType, type TransferEvent } from '@tally/contracts';
import { accountDecider, accountRefusalsOf, type AccountCommand, type AccountState } from './account.decider';
import { BusinessRuleViolation, type Decider } from './decider';
import { MAX_AMOUNT, MAX_BALANCE } from './money';
import {
  transferDecider,
  transferRefusalsOf,
  type TransferCommand,
  type TransferState,
} from './transfer.decider';

/**
 * The lists of refusals per command are what the API documents for each route; the type of `decide`
 * keeps a command from being refused with a code outside its list. These tests hold the other half:
 * every listed code is really answered by some state and command, so no route documents a refusal it
 * can never give.
 */
function refusalsOver<C extends { type: string }, E, S>(
  decider: Decider<C, E, S>,
  states: S[],
  commands: C[],
): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  for (const command of commands)
    for (const state of states)
      try {
        decider.decide(command, state);
      } catch (error) {
        if (!(error instanceof BusinessRuleViolation)) throw error;
        seen.set(command.type, (seen.get(command.type) ?? new Set()).add(error.code));
      }
  return seen;
}

const asSets = (lists: Record<string, readonly string[]>) =>
  Object.fromEntries(Object.entries(lists).map(([type, codes]) => [type, new Set(codes)]));

const open = (balance: number): AccountState & { status: 'open' } => ({
  status: 'open',
  ownerId: 'alice',
  currency: 'EUR',
  balance,
});
const accountStates: AccountState[] = [
  accountDecider.initialState,
  open(0),
  open(100),
  open(MAX_BALANCE),
  { status: 'closed', ownerId: 'alice', currency: 'EUR', balance: 0 },
  { status: 'closed', ownerId: 'alice', currency: 'USD', balance: 100 },
];
const amounts = [0, -1, 1.5, 50, 1_000, MAX_AMOUNT, MAX_AMOUNT + 1];

describe("the account decider's refusals per command", () => {
  it('are exactly the codes it answers each command with', () => {
    const commands: AccountCommand[] = [
      ...['EUR', 'eur', 'XYZ'].map((currency): AccountCommand => ({
        type: 'OpenAccount',
        accountId: 'a1',
        ownerId: 'alice',
        currency,
      })),
      { type: 'CloseAccount' },
      ...amounts.flatMap((amount): AccountCommand[] => [
        { type: 'DepositMoney', amount },
        { type: 'WithdrawMoney', amount },
        { type: 'DebitForTransfer', transferId: 't1', amount, toAccountId: 'a2' },
        { type: 'CreditForTransfer', transferId: 't1', amount, fromAccountId: 'a2' },
        { type: 'RefundTransfer', transferId: 't1', amount },
        { type: 'AdjustBalance', amount, reason: 'r' },
        { type: 'AdjustBalance', amount: -amount, reason: 'r' },
      ]),
    ];
    const seen = refusalsOver(accountDecider, accountStates, commands);
    expect(Object.fromEntries(seen)).toEqual(asSets(accountRefusalsOf));
  });
});

describe("the transfer decider's refusals per command", () => {
  const terms = { transferId: 't1', fromAccountId: 'a1', toAccountId: 'a2', amount: 50, currency: 'EUR' };
  const requested: TransferEvent = { type: TransferEventType.Requested, data: terms };
  const after = (...events: TransferEvent[]) =>
    events.reduce(transferDecider.evolve, transferDecider.initialState);
  const states: TransferState[] = [
    transferDecider.initialState,
    after(requested),
    after(requested, { type: TransferEventType.SourceDebited, data: {} }),
    after(
      requested,
      { type: TransferEventType.SourceDebited, data: {} },
      { type: TransferEventType.Completed, data: {} },
    ),
    after(requested, {
      type: TransferEventType.Failed,
      data: { reason: 'insufficient-funds', refunded: false },
    }),
  ];

  it('are exactly the codes it answers each command with', () => {
    const request = (
      overrides: Partial<Extract<TransferCommand, { type: 'RequestTransfer' }>>,
    ): TransferCommand => ({
      type: 'RequestTransfer',
      transferId: 't1',
      fromAccountId: 'a1',
      toAccountId: 'a2',
      amount: 50,
      source: open(100),
      target: open(0),
      ...overrides,
    });
    const commands: TransferCommand[] = [
      ...amounts.map((amount) => request({ amount })),
      request({ toAccountId: 'a1' }),
      ...accountStates.flatMap((account) => [request({ source: account }), request({ target: account })]),
      request({ target: { ...open(0), currency: 'USD' } }),
      { type: 'RecordSourceDebited' },
      { type: 'CompleteTransfer' },
      { type: 'FailTransfer', reason: 'insufficient-funds', refunded: false },
    ];
    const seen = refusalsOver(transferDecider, states, commands);
    expect(Object.fromEntries(seen)).toEqual(asSets(transferRefusalsOf));
  });
});
