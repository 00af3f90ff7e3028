import { TransferEventType, type TransferEvent } from '@tally/contracts';
import type { AccountState } from './account.decider';
import { BusinessRuleViolation, type Decider } from './decider';
import { isValidAmount } from './money';

/**
 * A transfer is a process: requested → source debited → completed, or → failed (refunded if the
 * source was debited). This decider is its durable memory; the process manager reads it to know
 * the next step, and each step's command is a no-op when the step is already recorded, so a
 * process manager that crashed and retries never records a step twice.
 */
export type TransferCommand =
  | {
      type: 'RequestTransfer';
      transferId: string;
      fromAccountId: string;
      toAccountId: string;
      amount: number;
      /** The accounts as the request saw them; the debit and credit re-check against their streams. */
      source: AccountState;
      target: AccountState;
    }
  | { type: 'RecordSourceDebited' }
  | { type: 'CompleteTransfer' }
  | { type: 'FailTransfer'; reason: string; refunded: boolean };

export interface TransferTerms {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
}

export type TransferState =
  | { status: 'none' }
  | (TransferTerms & { status: 'requested' })
  | (TransferTerms & { status: 'debited' })
  | (TransferTerms & { status: 'completed' })
  | (TransferTerms & { status: 'failed'; reason: string; refunded: boolean });

/**
 * The codes with which the transfer decider refuses each command: the one list the error mapping and
 * the OpenAPI document are derived from (see `accountRefusalsOf`). `decide` can refuse a command only
 * with the codes listed for it.
 */
export const transferRefusalsOf = {
  RequestTransfer: [
    'transfer-exists',
    'invalid-amount',
    'same-account',
    'account-not-found',
    'account-closed',
    'currency-mismatch',
    'insufficient-funds',
  ],
  RecordSourceDebited: ['transfer-not-found'],
  CompleteTransfer: ['transfer-not-found', 'transfer-not-debited'],
  FailTransfer: ['transfer-not-found', 'transfer-completed'],
} as const satisfies Record<TransferCommand['type'], readonly string[]>;

/** The codes with which the transfer decider may refuse a command of this type. */
export type TransferRefusalOf<Type extends TransferCommand['type']> =
  (typeof transferRefusalsOf)[Type][number];
/** Every code with which the transfer decider refuses a command. */
export type TransferRefusal = TransferRefusalOf<TransferCommand['type']>;
export const transferRefusals: readonly TransferRefusal[] = [
  ...new Set(Object.values(transferRefusalsOf).flat()),
];

type Refuse<Code extends TransferRefusal> = (code: Code, detail: string) => never;
const violation = (code: TransferRefusal, detail: string): never => {
  throw new BusinessRuleViolation(code, detail);
};
/** The `refuse` of one command's branch: it accepts only the codes listed for that command. */
const refusing = <C extends TransferCommand>(_command: C): Refuse<TransferRefusalOf<C['type']>> => violation;

function requireUsable(
  account: AccountState,
  role: 'source' | 'target',
  refuse: Refuse<'account-not-found' | 'account-closed'>,
): asserts account is AccountState & {
  status: 'open';
} {
  if (account.status === 'none') refuse('account-not-found', `The ${role} account does not exist.`);
  if (account.status === 'closed') refuse('account-closed', `The ${role} account is closed.`);
}

function decideRequest(command: Extract<TransferCommand, { type: 'RequestTransfer' }>, state: TransferState) {
  const refuse = refusing(command);
  if (state.status !== 'none') refuse('transfer-exists', 'The transfer already exists.');
  if (!isValidAmount(command.amount)) refuse('invalid-amount', 'The amount must be a positive integer.');
  if (command.fromAccountId === command.toAccountId)
    refuse('same-account', 'A transfer needs two different accounts.');
  const { source, target } = command;
  requireUsable(source, 'source', refuse);
  requireUsable(target, 'target', refuse);
  if (source.currency !== target.currency)
    refuse('currency-mismatch', `The source holds ${source.currency}, the target ${target.currency}.`);
  if (source.balance < command.amount)
    refuse('insufficient-funds', `The source balance (${source.balance}) is less than ${command.amount}.`);
  const { transferId, fromAccountId, toAccountId, amount } = command;
  return [
    {
      type: TransferEventType.Requested,
      data: { transferId, fromAccountId, toAccountId, amount, currency: source.currency },
    },
  ];
}

export const transferDecider: Decider<TransferCommand, TransferEvent, TransferState> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case TransferEventType.Requested:
        return { status: 'requested', ...event.data };
      case TransferEventType.SourceDebited:
        return state.status === 'none' ? state : { ...state, status: 'debited' };
      case TransferEventType.Completed:
        return state.status === 'none' ? state : { ...state, status: 'completed' };
      case TransferEventType.Failed:
        return state.status === 'none' ? state : { ...state, status: 'failed', ...event.data };
    }
  },

  decide(command, state) {
    if (command.type === 'RequestTransfer') return decideRequest(command, state);
    // Every later step refuses a transfer that was never requested.
    if (state.status === 'none')
      return refusing(command)('transfer-not-found', 'The transfer does not exist.');
    switch (command.type) {
      case 'RecordSourceDebited':
        if (state.status !== 'requested') return [];
        return [{ type: TransferEventType.SourceDebited, data: {} }];
      case 'CompleteTransfer': {
        const refuse = refusing(command);
        if (state.status === 'completed') return [];
        if (state.status !== 'debited') refuse('transfer-not-debited', `The transfer is ${state.status}.`);
        return [{ type: TransferEventType.Completed, data: {} }];
      }
      case 'FailTransfer': {
        const refuse = refusing(command);
        if (state.status === 'failed') return [];
        if (state.status === 'completed') refuse('transfer-completed', 'The transfer already completed.');
        return [
          { type: TransferEventType.Failed, data: { reason: command.reason, refunded: command.refunded } },
        ];
      }
    }
  },
};
