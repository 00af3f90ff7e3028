import { AccountEventType, type AccountEvent } from '@tally/contracts';
import { BusinessRuleViolation, type Decider } from './decider';
import { MAX_BALANCE, isCurrencyCode, isValidAmount } from './money';

export type AccountCommand =
  | { type: 'OpenAccount'; accountId: string; ownerId: string; currency: string }
  | { type: 'DepositMoney'; amount: number; source?: string }
  | { type: 'WithdrawMoney'; amount: number }
  | { type: 'CloseAccount' }
  // Issued by the transfer process manager, never by a client directly.
  | { type: 'DebitForTransfer'; transferId: string; amount: number; toAccountId: string }
  | { type: 'CreditForTransfer'; transferId: string; amount: number; fromAccountId: string }
  | { type: 'RefundTransfer'; transferId: string; amount: number }
  // An operator's correction (tally:admin): signed, with the reason recorded in the event.
  | { type: 'AdjustBalance'; amount: number; reason: string };

interface ExistingAccount {
  ownerId: string;
  currency: string;
  balance: number;
}

export type AccountState =
  { status: 'none' } | (ExistingAccount & { status: 'open' }) | (ExistingAccount & { status: 'closed' });

/**
 * The codes with which the account decider refuses each command: the one list the error mapping and
 * the OpenAPI document of each write route are derived from. `decide` can refuse a command only with
 * the codes listed for it (each branch gets a `refuse` typed with its own list), so a new refusal must
 * be added here, and then reaches the API's documentation and error mapping (a code the problem
 * catalogue does not describe fails the type check of the commands library).
 */
export const accountRefusalsOf = {
  OpenAccount: ['account-exists', 'invalid-currency'],
  DepositMoney: ['account-not-found', 'account-closed', 'invalid-amount', 'balance-limit-exceeded'],
  WithdrawMoney: ['account-not-found', 'account-closed', 'invalid-amount', 'insufficient-funds'],
  CloseAccount: ['account-not-found', 'account-closed', 'nonzero-balance'],
  DebitForTransfer: ['account-not-found', 'account-closed', 'invalid-amount', 'insufficient-funds'],
  CreditForTransfer: ['account-not-found', 'account-closed', 'invalid-amount', 'balance-limit-exceeded'],
  RefundTransfer: ['account-not-found', 'invalid-amount', 'balance-limit-exceeded'],
  AdjustBalance: ['account-not-found', 'invalid-amount', 'insufficient-funds', 'balance-limit-exceeded'],
} as const satisfies Record<AccountCommand['type'], readonly string[]>;

/** The codes with which the account decider may refuse a command of this type. */
export type AccountRefusalOf<Type extends AccountCommand['type']> = (typeof accountRefusalsOf)[Type][number];
/** Every code with which the account decider refuses a command (the 422/404 `code` of the API). */
export type AccountRefusal = AccountRefusalOf<AccountCommand['type']>;
export const accountRefusals: readonly AccountRefusal[] = [
  ...new Set(Object.values(accountRefusalsOf).flat()),
];

/** Refuses with one of `Code`s; a helper asks for the codes it may use, a branch passes its own. */
type Refuse<Code extends AccountRefusal> = (code: Code, detail: string) => never;
const violation = (code: AccountRefusal, detail: string): never => {
  throw new BusinessRuleViolation(code, detail);
};
/** The `refuse` of one command's branch: it accepts only the codes listed for that command. */
const refusing = <C extends AccountCommand>(_command: C): Refuse<AccountRefusalOf<C['type']>> => violation;

function requireOpen(
  state: AccountState,
  refuse: Refuse<'account-not-found' | 'account-closed'>,
): asserts state is ExistingAccount & { status: 'open' } {
  if (state.status === 'none') refuse('account-not-found', 'The account does not exist.');
  if (state.status === 'closed') refuse('account-closed', 'The account is closed and accepts nothing.');
}

function requireAmount(amount: number, refuse: Refuse<'invalid-amount'>): void {
  if (!isValidAmount(amount))
    refuse('invalid-amount', 'The amount must be a positive integer of minor units.');
}

function requireRoomFor(
  state: ExistingAccount,
  amount: number,
  refuse: Refuse<'balance-limit-exceeded'>,
): void {
  if (state.balance + amount > MAX_BALANCE)
    refuse('balance-limit-exceeded', 'The credit would exceed the largest balance an account can hold.');
}

function requireFunds(state: ExistingAccount, amount: number, refuse: Refuse<'insufficient-funds'>): void {
  if (amount > state.balance)
    refuse('insufficient-funds', `The balance (${state.balance}) is less than ${amount}.`);
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case AccountEventType.Opened:
        return { status: 'open', ownerId: event.data.ownerId, currency: event.data.currency, balance: 0 };
      case AccountEventType.MoneyDeposited:
      case AccountEventType.TransferCredited:
      case AccountEventType.TransferRefunded:
        return state.status === 'none' ? state : { ...state, balance: state.balance + event.data.amount };
      case AccountEventType.MoneyWithdrawn:
      case AccountEventType.TransferDebited:
        return state.status === 'none' ? state : { ...state, balance: state.balance - event.data.amount };
      case AccountEventType.BalanceAdjusted:
        return state.status === 'none' ? state : { ...state, balance: state.balance + event.data.amount };
      case AccountEventType.Closed:
        return state.status === 'none' ? state : { ...state, status: 'closed' };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'OpenAccount': {
        const refuse = refusing(command);
        if (state.status !== 'none') refuse('account-exists', 'The account already exists.');
        if (!isCurrencyCode(command.currency)) refuse('invalid-currency', 'Not an ISO 4217 currency code.');
        return [
          {
            type: AccountEventType.Opened,
            data: { accountId: command.accountId, ownerId: command.ownerId, currency: command.currency },
          },
        ];
      }
      case 'DepositMoney': {
        const refuse = refusing(command);
        requireOpen(state, refuse);
        requireAmount(command.amount, refuse);
        requireRoomFor(state, command.amount, refuse);
        return [
          {
            type: AccountEventType.MoneyDeposited,
            data: { amount: command.amount, source: command.source ?? 'api' },
          },
        ];
      }
      case 'WithdrawMoney': {
        const refuse = refusing(command);
        requireOpen(state, refuse);
        requireAmount(command.amount, refuse);
        requireFunds(state, command.amount, refuse);
        return [{ type: AccountEventType.MoneyWithdrawn, data: { amount: command.amount } }];
      }
      case 'CloseAccount': {
        const refuse = refusing(command);
        requireOpen(state, refuse);
        if (state.balance !== 0)
          refuse(
            'nonzero-balance',
            `Only an account with zero balance can be closed (balance ${state.balance}).`,
          );
        return [{ type: AccountEventType.Closed, data: {} }];
      }
      case 'DebitForTransfer': {
        const refuse = refusing(command);
        requireOpen(state, refuse);
        requireAmount(command.amount, refuse);
        requireFunds(state, command.amount, refuse);
        const { transferId, amount, toAccountId } = command;
        return [{ type: AccountEventType.TransferDebited, data: { transferId, amount, toAccountId } }];
      }
      case 'CreditForTransfer': {
        const refuse = refusing(command);
        requireOpen(state, refuse);
        requireAmount(command.amount, refuse);
        requireRoomFor(state, command.amount, refuse);
        const { transferId, amount, fromAccountId } = command;
        return [{ type: AccountEventType.TransferCredited, data: { transferId, amount, fromAccountId } }];
      }
      case 'RefundTransfer': {
        const refuse = refusing(command);
        // Accepted on a closed account: the money already left it, and refusing the way back for
        // that would strand it. (An account can close while a debit of its last cent is in flight;
        // then the refund lands on the closed account, visible and accounted for.) But like every
        // credit it must fit under the largest balance (deposits may have filled the account while
        // the money was away): refused, the transfer stays in flight, its money counted there, and
        // the process manager retries the refund until the account has room again.
        if (state.status === 'none') return refuse('account-not-found', 'The account does not exist.');
        requireAmount(command.amount, refuse);
        requireRoomFor(state, command.amount, refuse);
        return [
          {
            type: AccountEventType.TransferRefunded,
            data: { transferId: command.transferId, amount: command.amount },
          },
        ];
      }
      case 'AdjustBalance': {
        const refuse = refusing(command);
        // A closed account can be corrected too (e.g. a refund that landed after it closed), but no
        // correction takes a balance below zero or above what an account can hold.
        if (state.status === 'none') return refuse('account-not-found', 'The account does not exist.');
        const { amount, reason } = command;
        requireAmount(Math.abs(amount), refuse);
        if (amount > 0) requireRoomFor(state, amount, refuse);
        else requireFunds(state, -amount, refuse);
        return [{ type: AccountEventType.BalanceAdjusted, data: { amount, reason } }];
      }
    }
  },
};
