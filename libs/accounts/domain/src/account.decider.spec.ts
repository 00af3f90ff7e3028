import { AccountEventType as T, type AccountEvent } from '@tally/contracts';
import { accountDecider } from './account.decider';
import { given } from './testing';
import { MAX_AMOUNT } from './money';

const opened: AccountEvent = { type: T.Opened, data: { accountId: 'a1', ownerId: 'alice', currency: 'EUR' } };
const deposited = (amount: number, source = 'api'): AccountEvent => ({
  type: T.MoneyDeposited,
  data: { amount, source },
});
const withdrawn = (amount: number): AccountEvent => ({ type: T.MoneyWithdrawn, data: { amount } });
const closed: AccountEvent = { type: T.Closed, data: {} };
const account = (history: AccountEvent[]) => given(accountDecider, history);

describe('account decider', () => {
  describe('OpenAccount', () => {
    const open = { type: 'OpenAccount', accountId: 'a1', ownerId: 'alice', currency: 'EUR' } as const;

    it('opens a new account', () => account([]).when(open).then([opened]));
    it('refuses to open an account twice', () => account([opened]).when(open).thenRefused('account-exists'));
    it('refuses a currency that is not ISO 4217', () =>
      account([])
        .when({ ...open, currency: 'XYZ' })
        .thenRefused('invalid-currency'));
    it('refuses a lower-case currency', () =>
      account([])
        .when({ ...open, currency: 'eur' })
        .thenRefused('invalid-currency'));
  });

  describe('DepositMoney', () => {
    it('deposits into an open account', () =>
      account([opened])
        .when({ type: 'DepositMoney', amount: 500 })
        .then([deposited(500)]));
    it('records where the money came from', () =>
      account([opened])
        .when({ type: 'DepositMoney', amount: 5, source: 'cash' })
        .then([deposited(5, 'cash')]));
    it('refuses an account that does not exist', () =>
      account([]).when({ type: 'DepositMoney', amount: 1 }).thenRefused('account-not-found'));
    it('refuses a closed account', () =>
      account([opened, closed]).when({ type: 'DepositMoney', amount: 1 }).thenRefused('account-closed'));
    it.each([0, -5, 1.5, MAX_AMOUNT + 1, Number.NaN])('refuses the amount %p', (amount) =>
      account([opened]).when({ type: 'DepositMoney', amount }).thenRefused('invalid-amount'),
    );
    it('refuses a deposit that would make the balance inexact', () =>
      account([opened, deposited(Number.MAX_SAFE_INTEGER - 10)])
        .when({ type: 'DepositMoney', amount: 11 })
        .thenRefused('balance-limit-exceeded'));
  });

  describe('WithdrawMoney', () => {
    it('withdraws up to the balance', () =>
      account([opened, deposited(500)])
        .when({ type: 'WithdrawMoney', amount: 500 })
        .then([withdrawn(500)]));
    it('never lets the balance go below zero', () =>
      account([opened, deposited(500), withdrawn(200)])
        .when({ type: 'WithdrawMoney', amount: 301 })
        .thenRefused('insufficient-funds'));
    it('refuses a closed account', () =>
      account([opened, closed]).when({ type: 'WithdrawMoney', amount: 1 }).thenRefused('account-closed'));
  });

  describe('CloseAccount', () => {
    it('closes an account at zero balance', () =>
      account([opened, deposited(5), withdrawn(5)])
        .when({ type: 'CloseAccount' })
        .then([closed]));
    it('refuses to close an account holding money', () =>
      account([opened, deposited(5)])
        .when({ type: 'CloseAccount' })
        .thenRefused('nonzero-balance'));
    it('refuses to close twice', () =>
      account([opened, closed]).when({ type: 'CloseAccount' }).thenRefused('account-closed'));
  });

  describe('transfer steps', () => {
    const debit = { type: 'DebitForTransfer', transferId: 't1', amount: 300, toAccountId: 'a2' } as const;
    const credit = { type: 'CreditForTransfer', transferId: 't1', amount: 300, fromAccountId: 'a2' } as const;
    const refund = { type: 'RefundTransfer', transferId: 't1', amount: 300 } as const;
    const debited: AccountEvent = {
      type: T.TransferDebited,
      data: { transferId: 't1', amount: 300, toAccountId: 'a2' },
    };

    it('debits the source of a transfer', () =>
      account([opened, deposited(500)])
        .when(debit)
        .then([debited]));
    it('never debits below zero', () =>
      account([opened, deposited(299)])
        .when(debit)
        .thenRefused('insufficient-funds'));
    it('refuses to debit a closed account', () =>
      account([opened, closed]).when(debit).thenRefused('account-closed'));
    it('credits the target of a transfer', () =>
      account([opened])
        .when(credit)
        .then([{ type: T.TransferCredited, data: { transferId: 't1', amount: 300, fromAccountId: 'a2' } }]));
    it('refuses to credit a closed account (the transfer is then refunded)', () =>
      account([opened, closed]).when(credit).thenRefused('account-closed'));
    it('refuses a credit past the largest balance', () =>
      account([opened, deposited(Number.MAX_SAFE_INTEGER - 10)])
        .when(credit)
        .thenRefused('balance-limit-exceeded'));
    it('refunds even an account that closed while its money was in flight', () =>
      account([opened, deposited(300), debited, closed])
        .when(refund)
        .then([{ type: T.TransferRefunded, data: { transferId: 't1', amount: 300 } }]));
    it('refuses a refund past the largest balance (deposits filled the account meanwhile)', () =>
      account([opened, deposited(500), debited, deposited(Number.MAX_SAFE_INTEGER - 400)])
        .when(refund)
        .thenRefused('balance-limit-exceeded'));
    it('refunds up to exactly the largest balance', () =>
      account([opened, deposited(500), debited, deposited(Number.MAX_SAFE_INTEGER - 500)])
        .when(refund)
        .then([{ type: T.TransferRefunded, data: { transferId: 't1', amount: 300 } }]));
    it('counts a debit out of the balance and a refund back in', () => {
      expect(account([opened, deposited(500), debited]).state).toMatchObject({ balance: 200 });
      expect(
        account([
          opened,
          deposited(500),
          debited,
          { type: T.TransferRefunded, data: { transferId: 't1', amount: 300 } },
        ]).state,
      ).toMatchObject({ balance: 500 });
    });
  });

  describe('AdjustBalance', () => {
    const adjusted = (amount: number, reason = 'ticket OPS-1'): AccountEvent => ({
      type: T.BalanceAdjusted,
      data: { amount, reason },
    });
    const adjust = (amount: number) => ({ type: 'AdjustBalance', amount, reason: 'ticket OPS-1' }) as const;

    it('adds money with its reason', () =>
      account([opened, deposited(100)])
        .when(adjust(50))
        .then([adjusted(50)]));
    it('removes money, down to zero', () =>
      account([opened, deposited(100)])
        .when(adjust(-100))
        .then([adjusted(-100)]));
    it('never takes the balance below zero', () =>
      account([opened, deposited(100)])
        .when(adjust(-101))
        .thenRefused('insufficient-funds'));
    it('never takes the balance past the largest one', () =>
      account([opened, deposited(Number.MAX_SAFE_INTEGER - 10)])
        .when(adjust(11))
        .thenRefused('balance-limit-exceeded'));
    it('corrects a closed account (a refund that landed after it closed)', () =>
      account([opened, closed, { type: T.TransferRefunded, data: { transferId: 't1', amount: 7 } }])
        .when(adjust(-7))
        .then([adjusted(-7)]));
    it('refuses an account that does not exist', () =>
      account([]).when(adjust(5)).thenRefused('account-not-found'));
    it.each([0, 1.5, -1.5, MAX_AMOUNT + 1, -MAX_AMOUNT - 1, Number.NaN])('refuses the amount %p', (amount) =>
      account([opened, deposited(MAX_AMOUNT + 10)])
        .when(adjust(amount))
        .thenRefused('invalid-amount'),
    );
    it('counts an adjustment, either way, in the balance', () =>
      expect(account([opened, deposited(100), adjusted(-30), adjusted(5)]).state).toMatchObject({
        balance: 75,
      }));
  });

  it('folds history into the balance', () => {
    expect(account([opened, deposited(700), withdrawn(200), deposited(1)]).state).toEqual({
      status: 'open',
      ownerId: 'alice',
      currency: 'EUR',
      balance: 501,
    });
  });
});
