import { AccountEventType as T, type EventEnvelope } from '@tally/contracts';
import { createReadDatabase, type ReadDatabase } from '../testing';
import { OwnerBalance } from './owner-balance.entity';
import { OwnerPortfolioProjection } from './owner-portfolio.projection';

jest.setTimeout(30_000);

describe('owner portfolio totals', () => {
  let db: ReadDatabase;
  beforeAll(async () => {
    db = await createReadDatabase('portfolio_exact', 2);
  });
  afterAll(() => db?.drop());

  let version = 0;
  const envelope = (account: string, event: { type: string; data: unknown }) =>
    ({
      eventId: `00000000-0000-4000-8000-${String(++version).padStart(12, '0')}`,
      streamId: `account-${account}`,
      streamVersion: version,
      schemaVersion: 1,
      occurredAt: '2026-11-28T08:00:00Z',
      metadata: { correlationId: 'c', causationId: 'c' },
      ...event,
    }) as EventEnvelope;

  it('are exact past 2^53: summed as bigint, answered as a decimal string', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const [a, b] = ['0a000000-0000-4000-8000-000000000001', '0b000000-0000-4000-8000-000000000002'];
    const projection = new OwnerPortfolioProjection();
    // Two accounts at the largest balance (in two batches: the second adds to the stored total), then 1 more.
    await db.dataSource.transaction((tx) =>
      projection.apply(
        [
          envelope(a, { type: T.Opened, data: { accountId: a, ownerId: 'rich', currency: 'EUR' } }),
          envelope(a, { type: T.BalanceAdjusted, data: { amount: max, reason: 'r' } }),
        ],
        tx,
      ),
    );
    await db.dataSource.transaction((tx) =>
      projection.apply(
        [
          envelope(b, { type: T.Opened, data: { accountId: b, ownerId: 'rich', currency: 'EUR' } }),
          envelope(b, { type: T.BalanceAdjusted, data: { amount: max, reason: 'r' } }),
          envelope(b, { type: T.MoneyDeposited, data: { amount: 1, source: 'api' } }),
        ],
        tx,
      ),
    );
    const total = await db.dataSource.getRepository(OwnerBalance).findOneByOrFail({ ownerId: 'rich' });
    // 2 × (2^53 - 1) + 1 = 18014398509481983: odd and above 2^54, so no JSON number could carry it.
    expect(total.balance).toBe('18014398509481983');
    expect(JSON.parse(JSON.stringify(total)).balance).toBe('18014398509481983');
  });
});
