import { AccountEventType as T } from '@tally/contracts';
import { portfolioDeltas } from './owner-portfolio.evolve';

let version = 0;
const envelope = (account: string, event: { type: string; data: unknown }) =>
  ({
    eventId: `e${++version}`,
    streamId: `account-${account}`,
    streamVersion: version,
    schemaVersion: 1,
    occurredAt: '2026-11-28T08:00:00Z',
    metadata: { correlationId: 'c', causationId: 'c' },
    ...event,
  }) as Parameters<typeof portfolioDeltas>[0][number];

describe('owner portfolio deltas', () => {
  it('counts an account opened in the batch and its money', () => {
    const deltas = portfolioDeltas(
      [
        envelope('a', { type: T.Opened, data: { accountId: 'a', ownerId: 'alice', currency: 'EUR' } }),
        envelope('a', { type: T.MoneyDeposited, data: { amount: 500, source: 'api' } }),
        envelope('a', { type: T.MoneyWithdrawn, data: { amount: 200 } }),
        envelope('a', { type: T.BalanceAdjusted, data: { amount: -50, reason: 'r' } }),
      ],
      new Map(),
    );
    expect(deltas).toEqual([
      { ownerId: 'alice', currency: 'EUR', balance: 250n, accounts: 1, openAccounts: 1 },
    ]);
  });

  it('sums exactly past 2^53 (many accounts at the largest balance)', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const deltas = portfolioDeltas(
      [
        envelope('a', { type: T.Opened, data: { accountId: 'a', ownerId: 'rich', currency: 'EUR' } }),
        envelope('b', { type: T.Opened, data: { accountId: 'b', ownerId: 'rich', currency: 'EUR' } }),
        envelope('a', { type: T.BalanceAdjusted, data: { amount: max, reason: 'r' } }),
        envelope('b', { type: T.BalanceAdjusted, data: { amount: max, reason: 'r' } }),
        envelope('b', { type: T.MoneyDeposited, data: { amount: 1, source: 'api' } }),
      ],
      new Map(),
    );
    expect(deltas[0].balance).toBe(2n * BigInt(max) + 1n); // 18014398509481983: odd, so no double holds it
  });

  it('uses known owners for accounts opened earlier, one delta per owner and currency, sorted', () => {
    const deltas = portfolioDeltas(
      [
        envelope('b', {
          type: T.TransferCredited,
          data: { transferId: 't', amount: 70, fromAccountId: 'a' },
        }),
        envelope('a', { type: T.TransferDebited, data: { transferId: 't', amount: 70, toAccountId: 'b' } }),
        envelope('c', { type: T.Closed, data: {} }),
        envelope('unknown', { type: T.MoneyDeposited, data: { amount: 1, source: 'api' } }),
      ],
      new Map([
        ['a', { ownerId: 'bob', currency: 'EUR' }],
        ['b', { ownerId: 'alice', currency: 'EUR' }],
        ['c', { ownerId: 'alice', currency: 'USD' }],
      ]),
    );
    expect(deltas).toEqual([
      { ownerId: 'alice', currency: 'EUR', balance: 70n, accounts: 0, openAccounts: 0 },
      { ownerId: 'alice', currency: 'USD', balance: 0n, accounts: 0, openAccounts: -1 },
      { ownerId: 'bob', currency: 'EUR', balance: -70n, accounts: 0, openAccounts: 0 },
    ]);
  });
});
