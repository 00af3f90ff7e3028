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
  | { type: 'RefundTransfer'; transferId: string; amount: number };

interface ExistingAccount {
  ownerId: string;
  currency: string;
  balance: number;
}

export type AccountState =
  { status: 'none' } | (ExistingAccount & { status: 'open' }) | (ExistingAccount & { status: 'closed' });

/** Every code with which the account decider refuses a command (the 422/404 `code` of the API). */
export const accountRefusals = [
  'account-not-found',
  'account-closed',
  'account-exists',
  'invalid-currency',
  'invalid-amount',
  'balance-limit-exceeded',
  'insufficient-funds',
  'nonzero-balance',
] as const;
export type AccountRefusal = (typeof accountRefusals)[number];

const refuse = (code: AccountRefusal, detail: string): never => {
  throw new BusinessRuleViolation(code, detail);
};

function requireOpen(state: AccountState): asserts state is ExistingAccount & { status: 'open' } {
  if (state.status === 'none') refuse('account-not-found', 'The account does not exist.');
  if (state.status === 'closed') refuse('account-closed', 'The account is closed and accepts nothing.');
}

function requireAmount(amount: number): void {
  if (!isValidAmount(amount))
    refuse('invalid-amount', 'The amount must be a positive integer of minor units.');
}

function requireRoomFor(state: ExistingAccount, amount: number): void {
  if (state.balance + amount > MAX_BALANCE)
    refuse('balance-limit-exceeded', 'The credit would exceed the largest balance an account can hold.');
}

function requireFunds(state: ExistingAccount, amount: number): void {
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
      case AccountEventType.Closed:
        return state.status === 'none' ? state : { ...state, status: 'closed' };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'OpenAccount':
        if (state.status !== 'none') refuse('account-exists', 'The account already exists.');
        if (!isCurrencyCode(command.currency)) refuse('invalid-currency', 'Not an ISO 4217 currency code.');
        return [
          {
            type: AccountEventType.Opened,
            data: { accountId: command.accountId, ownerId: command.ownerId, currency: command.currency },
          },
        ];
      case 'DepositMoney':
        requireOpen(state);
        requireAmount(command.amount);
        requireRoomFor(state, command.amount);
        return [
          {
            type: AccountEventType.MoneyDeposited,
            data: { amount: command.amount, source: command.source ?? 'api' },
          },
        ];
      case 'WithdrawMoney':
        requireOpen(state);
        requireAmount(command.amount);
        requireFunds(state, command.amount);
        return [{ type: AccountEventType.MoneyWithdrawn, data: { amount: command.amount } }];
      case 'CloseAccount':
        requireOpen(state);
        if (state.balance !== 0)
          refuse(
            'nonzero-balance',
            `Only an account with zero balance can be closed (balance ${state.balance}).`,
          );
        return [{ type: AccountEventType.Closed, data: {} }];
      case 'DebitForTransfer': {
        requireOpen(state);
        requireAmount(command.amount);
        requireFunds(state, command.amount);
        const { transferId, amount, toAccountId } = command;
        return [{ type: AccountEventType.TransferDebited, data: { transferId, amount, toAccountId } }];
      }
      case 'CreditForTransfer': {
        requireOpen(state);
        requireAmount(command.amount);
        requireRoomFor(state, command.amount);
        const { transferId, amount, fromAccountId } = command;
        return [{ type: AccountEventType.TransferCredited, data: { transferId, amount, fromAccountId } }];
      }
      case 'RefundTransfer':
        // Never refused once the account exists: the money already left it, and refusing the way
        // back would destroy it. (An account can close while a debit of its last cent is in flight;
        // then the refund lands on the closed account, visible and accounted for.)
        if (state.status === 'none') refuse('account-not-found', 'The account does not exist.');
        requireAmount(command.amount);
        return [
          {
            type: AccountEventType.TransferRefunded,
            data: { transferId: command.transferId, amount: command.amount },
          },
        ];
    }
  },
};
