import { AccountEventType as T, type AccountEvent } from '@tally/contracts';
import { accountDecider } from './account.decider';
import { given } from './given-when-then';
import { MAX_AMOUNT } from './money';

const opened: AccountEvent = { type: T.Opened, data: { accountId: 'a1', ownerId: 'alice', currency: 'EUR' } };
const deposited = (amount: number): AccountEvent => ({ type: T.MoneyDeposited, data: { amount } });
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

  it('folds history into the balance', () => {
    expect(account([opened, deposited(700), withdrawn(200), deposited(1)]).state).toEqual({
      status: 'open',
      ownerId: 'alice',
      currency: 'EUR',
      balance: 501,
    });
  });
});
