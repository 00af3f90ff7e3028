import { TransferEventType as T, type TransferEvent } from '@tally/contracts';
import { given } from './testing';
import { transferDecider, type TransferCommand } from './transfer.decider';

const eur = (balance: number) => ({ status: 'open' as const, ownerId: 'o', currency: 'EUR', balance });
const terms = { transferId: 't1', fromAccountId: 'a1', toAccountId: 'a2', amount: 300 };
const request = (overrides: Partial<Extract<TransferCommand, { type: 'RequestTransfer' }>> = {}) =>
  ({ type: 'RequestTransfer', ...terms, source: eur(500), target: eur(0), ...overrides }) as const;

const requested: TransferEvent = { type: T.Requested, data: { ...terms, currency: 'EUR' } };
const debited: TransferEvent = { type: T.SourceDebited, data: {} };
const completed: TransferEvent = { type: T.Completed, data: {} };
const failed = (reason: string, refunded: boolean): TransferEvent => ({
  type: T.Failed,
  data: { reason, refunded },
});
const transfer = (history: TransferEvent[]) => given(transferDecider, history);

describe('transfer decider', () => {
  describe('RequestTransfer', () => {
    it('records the terms, with the currency of the accounts', () =>
      transfer([]).when(request()).then([requested]));
    it('refuses a transfer to the same account', () =>
      transfer([])
        .when(request({ toAccountId: 'a1' }))
        .thenRefused('same-account'));
    it('refuses accounts of different currencies', () =>
      transfer([])
        .when(request({ target: { ...eur(0), currency: 'USD' } }))
        .thenRefused('currency-mismatch'));
    it('refuses a source that does not exist', () =>
      transfer([])
        .when(request({ source: { status: 'none' } }))
        .thenRefused('account-not-found'));
    it('refuses a closed target', () =>
      transfer([])
        .when(request({ target: { ...eur(0), status: 'closed' as const } }))
        .thenRefused('account-closed'));
    it('refuses more than the source holds', () =>
      transfer([])
        .when(request({ source: eur(299) }))
        .thenRefused('insufficient-funds'));
    it.each([0, -1, 2.5])('refuses the amount %p', (amount) =>
      transfer([]).when(request({ amount })).thenRefused('invalid-amount'),
    );
    it('refuses to request the same transfer twice', () =>
      transfer([requested]).when(request()).thenRefused('transfer-exists'));
  });

  describe('the steps are idempotent', () => {
    it('records the debit once', () => {
      transfer([requested]).when({ type: 'RecordSourceDebited' }).then([debited]);
      transfer([requested, debited]).when({ type: 'RecordSourceDebited' }).then([]);
    });
    it('completes only a debited transfer, once', () => {
      transfer([requested]).when({ type: 'CompleteTransfer' }).thenRefused('transfer-not-debited');
      transfer([requested, debited]).when({ type: 'CompleteTransfer' }).then([completed]);
      transfer([requested, debited, completed]).when({ type: 'CompleteTransfer' }).then([]);
    });
    it('fails once, and never after completing', () => {
      const fail = { type: 'FailTransfer', reason: 'account-closed', refunded: true } as const;
      transfer([requested, debited])
        .when(fail)
        .then([failed('account-closed', true)]);
      transfer([requested, debited, failed('account-closed', true)])
        .when(fail)
        .then([]);
      transfer([requested, debited, completed]).when(fail).thenRefused('transfer-completed');
    });
  });

  it('remembers why a transfer failed', () =>
    expect(transfer([requested, failed('insufficient-funds', false)]).state).toMatchObject({
      status: 'failed',
      reason: 'insufficient-funds',
      refunded: false,
      amount: 300,
    }));
});
