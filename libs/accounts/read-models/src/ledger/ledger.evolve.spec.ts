import { AccountEventType as T } from '@tally/contracts';
import { ledgerEntryOf } from './ledger.evolve';

const id = '3f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10';
const envelope = (streamVersion: number, event: { type: string; data: unknown }) =>
  ({
    eventId: `e${streamVersion}`,
    streamId: `account-${id}`,
    streamVersion,
    schemaVersion: 1,
    occurredAt: '2026-11-28T08:00:00Z',
    metadata: { correlationId: 'c', causationId: 'c' },
    ...event,
  }) as Parameters<typeof ledgerEntryOf>[1];

describe('ledger entries', () => {
  it('adds nothing for events that move no money', () => {
    expect(
      ledgerEntryOf(
        0,
        envelope(1, { type: T.Opened, data: { accountId: id, ownerId: 'a', currency: 'EUR' } }),
      ),
    ).toBeUndefined();
    expect(ledgerEntryOf(0, envelope(5, { type: T.Closed, data: {} }))).toBeUndefined();
  });

  it('records a deposit with its source and the balance after it', () => {
    expect(
      ledgerEntryOf(100, envelope(2, { type: T.MoneyDeposited, data: { amount: 50, source: 'api' } })),
    ).toEqual({
      accountId: id,
      version: 2,
      kind: 'deposit',
      amount: 50,
      balanceAfter: 150,
      occurredAt: new Date('2026-11-28T08:00:00Z'),
      transferId: null,
      counterpartyAccountId: null,
      source: 'api',
    });
  });

  it('signs money leaving the account negative', () => {
    expect(ledgerEntryOf(100, envelope(3, { type: T.MoneyWithdrawn, data: { amount: 30 } }))).toMatchObject({
      kind: 'withdrawal',
      amount: -30,
      balanceAfter: 70,
    });
  });

  it('records an adjustment, signed, as its own kind', () => {
    const adjusted = (amount: number) =>
      envelope(6, { type: T.BalanceAdjusted, data: { amount, reason: 'r' } });
    expect(ledgerEntryOf(100, adjusted(-30))).toMatchObject({
      kind: 'adjustment',
      amount: -30,
      balanceAfter: 70,
    });
    expect(ledgerEntryOf(100, adjusted(5))).toMatchObject({
      kind: 'adjustment',
      amount: 5,
      balanceAfter: 105,
    });
  });

  it('names the transfer and the other account of transfer entries', () => {
    const debit = ledgerEntryOf(
      100,
      envelope(4, { type: T.TransferDebited, data: { transferId: 't1', amount: 40, toAccountId: 'b' } }),
    );
    expect(debit).toMatchObject({ kind: 'transfer-debit', amount: -40, balanceAfter: 60, transferId: 't1' });
    expect(debit?.counterpartyAccountId).toBe('b');
    const credit = ledgerEntryOf(
      0,
      envelope(4, { type: T.TransferCredited, data: { transferId: 't2', amount: 40, fromAccountId: 'c' } }),
    );
    expect(credit).toMatchObject({ kind: 'transfer-credit', amount: 40, counterpartyAccountId: 'c' });
    const refund = ledgerEntryOf(
      60,
      envelope(5, { type: T.TransferRefunded, data: { transferId: 't1', amount: 40 } }),
    );
    expect(refund).toMatchObject({ kind: 'transfer-refund', amount: 40, balanceAfter: 100 });
  });
});
