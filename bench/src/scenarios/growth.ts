import { randomUUID } from 'node:crypto';
import { runMigrations } from '@tally/database';
import {
  CreateEventStore1764316800000,
  PostgresEventStore,
  type NewEvent,
  defaultGroupCommitOptions,
} from '@tally/event-store';
import { createTestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { closedLoop, type LoadResult } from '../harness/closed-loop';
import type { ScenarioResult } from '../harness/result';
import type { BenchSettings } from '../settings';
import { mergeRuns } from './append';

const CONCURRENCY = 32;
const EVENTS_PER_STREAM = 10;

const newEvent = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.account.money-deposited',
  schemaVersion: 2,
  data: { amount: 100, source: 'api' },
  metadata: { correlationId: 'bench', causationId: 'bench' },
  occurredAt: new Date(),
});

/** Bulk-loads `events` events (10 per stream) in one INSERT ... SELECT generate_series. */
async function bulkLoad(pool: Pool, events: number): Promise<void> {
  await pool.query(
    `INSERT INTO streams (stream_id, stream_type, version)
     SELECT 'account-' || gen_random_uuid(), 'account', $2::int FROM generate_series(1, $1::int / $2::int)`,
    [events, EVENTS_PER_STREAM],
  );
  await pool.query(
    `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
     SELECT s.stream_id, v, gen_random_uuid(), 'tally.account.money-deposited', 2,
            '{"amount":100,"source":"api"}', '{"correlationId":"bench","causationId":"bench"}', now()
     FROM streams s CROSS JOIN generate_series(1, $1::int) v`,
    [EVENTS_PER_STREAM],
  );
  await pool.query('VACUUM ANALYZE streams');
  await pool.query('VACUUM ANALYZE events');
}

/**
 * Append latency must not grow with the store: single-event appends to new streams at concurrency
 * 32 on a store of 10,000 events and on one of 1,000,000, in interleaved rounds.
 */
export async function growthScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const sizes = { small: 10_000, large: settings.quick ? 200_000 : 1_000_000 };
  const roundMs = settings.quick ? 2_000 : 4_000;
  const rounds = 3;
  const dbs = await Promise.all([createTestDatabase('bench_growth_s'), createTestDatabase('bench_growth_l')]);
  const pools = dbs.map((db) => new Pool({ connectionString: db.url, max: CONCURRENCY }));
  try {
    const loadStart = Date.now();
    for (const [i, size] of [sizes.small, sizes.large].entries()) {
      await runMigrations(dbs[i].url, [CreateEventStore1764316800000], 'write');
      await bulkLoad(pools[i], size);
    }
    await pools[1].query('CHECKPOINT');
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const stores = pools.map(
      (pool) => new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
    );
    const append = (store: PostgresEventStore) => () =>
      store.append(`account-${randomUUID()}`, 'account', 0, [newEvent()]);
    for (const store of stores)
      await closedLoop(append(store), { concurrency: CONCURRENCY, durationMs: 1_000 });
    const runs: LoadResult[][] = [[], []];
    for (let round = 0; round < rounds; round++) {
      for (const [i, store] of stores.entries()) {
        runs[i].push(await closedLoop(append(store), { concurrency: CONCURRENCY, durationMs: roundMs }));
      }
    }
    const [small, large] = runs.map(mergeRuns);
    return {
      scenario: 'growth',
      parameters: {
        concurrency: CONCURRENCY,
        rounds,
        roundSeconds: roundMs / 1000,
        small: sizes.small,
        large: sizes.large,
        bulkLoadSeconds: Math.round(loadSeconds),
      },
      measurements: [
        { subject: `append, ${sizes.small.toLocaleString('en')} events in store`, baseline: true, ...small },
        { subject: `append, ${sizes.large.toLocaleString('en')} events in store`, baseline: false, ...large },
      ],
      headlines: [
        {
          label: 'append p99 large / small',
          value: large.p99Ms / small.p99Ms,
          unit: 'x',
          target: 1.3,
          kind: 'max',
        },
      ],
      notes: ['p99 is the worst round of each; rounds alternate between the two stores'],
    };
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await Promise.all(dbs.map((db) => db.drop()));
  }
}
