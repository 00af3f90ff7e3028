import { AccountEventType as T } from '@tally/contracts';
import { evolveAccountSummary } from './account-summary.evolve';

const id = '3f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10';
const envelope = (
  streamVersion: number,
  event: { type: string; data: unknown },
  occurredAt = '2026-11-28T08:00:00Z',
) =>
  ({
    eventId: `e${streamVersion}`,
    streamId: `account-${id}`,
    streamVersion,
    schemaVersion: 1,
    occurredAt,
    metadata: { correlationId: 'c', causationId: 'c' },
    ...event,
  }) as Parameters<typeof evolveAccountSummary>[1];

const fold = (events: Parameters<typeof evolveAccountSummary>[1][]) =>
  events.reduce(evolveAccountSummary, undefined as ReturnType<typeof evolveAccountSummary>);

describe('account summary', () => {
  const opened = envelope(1, { type: T.Opened, data: { accountId: id, ownerId: 'alice', currency: 'EUR' } });

  it('starts at zero when the account opens', () => {
    expect(fold([opened])).toMatchObject({
      accountId: id,
      ownerId: 'alice',
      balance: 0,
      status: 'open',
      version: 1,
    });
  });

  it('tracks balance, entry count, version and last update', () => {
    const summary = fold([
      opened,
      envelope(2, { type: T.MoneyDeposited, data: { amount: 700 } }),
      envelope(3, { type: T.MoneyWithdrawn, data: { amount: 200 } }, '2026-11-28T09:00:00Z'),
    ]);
    expect(summary).toMatchObject({
      balance: 500,
      entryCount: 2,
      version: 3,
      updatedAt: new Date('2026-11-28T09:00:00Z'),
    });
  });

  it('counts adjustments either way', () => {
    const summary = fold([
      opened,
      envelope(2, { type: T.MoneyDeposited, data: { amount: 700 } }),
      envelope(3, { type: T.BalanceAdjusted, data: { amount: -200, reason: 'r' } }),
      envelope(4, { type: T.BalanceAdjusted, data: { amount: 5, reason: 'r' } }),
    ]);
    expect(summary).toMatchObject({ balance: 505, entryCount: 3, version: 4 });
  });

  it('marks a closed account', () => {
    expect(fold([opened, envelope(2, { type: T.Closed, data: {} })])).toMatchObject({
      status: 'closed',
      version: 2,
    });
  });

  it('ignores money movements of an unknown account', () => {
    expect(fold([envelope(2, { type: T.MoneyDeposited, data: { amount: 1 } })])).toBeUndefined();
  });
});
