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
import { RAW_TABLE, rawInsert } from '../harness/raw-insert';
import type { ScenarioResult } from '../harness/result';
import type { BenchSettings } from '../settings';

const metadata = { correlationId: 'bench', causationId: 'bench' };
const newEvent = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.account.money-deposited',
  schemaVersion: 1,
  data: { amount: 100 },
  metadata,
  occurredAt: new Date(),
});

/**
 * Single-event appends to distinct streams at a fixed concurrency: Tally's event store against the
 * Emmett PostgreSQL event store (a peer library) and against raw single-row INSERTs. The subjects
 * run in interleaved rounds so that drift in the machine's speed hits all of them alike.
 */
export async function appendScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const concurrency = 32;
  const rounds = 2;
  const roundMs = settings.quick ? 2_000 : 5_000;
  const dbs = await Promise.all(
    ['bench_tally', 'bench_raw', 'bench_emmett'].map((label) => createTestDatabase(label)),
  );
  const [tallyDb, rawDb, emmettDb] = dbs;
  await runMigrations(tallyDb.url, [CreateEventStore1764316800000], 'write');
  const tallyPool = new Pool({ connectionString: tallyDb.url, max: concurrency });
  const rawPool = new Pool({ connectionString: rawDb.url, max: concurrency });
  await rawPool.query(RAW_TABLE);
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const emmett = getPostgreSQLEventStore(emmettDb.url);
  const store = new PostgresEventStore(tallyPool, { groupCommit: defaultGroupCommitOptions });

  const subjects: Record<string, () => Promise<unknown>> = {
    'raw pg INSERT': rawInsert(rawPool),
    tally: () => store.append(`account-${randomUUID()}`, 'account', 0, [newEvent()]),
    emmett: () =>
      emmett.appendToStream(`account-${randomUUID()}`, [{ type: 'MoneyDeposited', data: { amount: 100 } }]),
  };
  try {
    for (const run of Object.values(subjects)) await closedLoop(run, { concurrency, durationMs: 1_000 }); // warm-up, schema creation
    const results: Record<string, LoadResult[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(subjects)) {
        (results[name] ??= []).push(await closedLoop(run, { concurrency, durationMs: roundMs }));
      }
    }
    const merged = Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, mergeRuns(runs)]));
    const curve = [];
    for (const load of [1, 4, 16, 64]) {
      const r = await closedLoop(subjects.tally, {
        concurrency: load,
        durationMs: settings.quick ? 1_000 : 2_000,
      });
      curve.push({ subject: 'tally append', load, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
    }
    return {
      scenario: 'append',
      parameters: {
        concurrency,
        rounds,
        roundSeconds: roundMs / 1000,
        events: 'single event, new stream each',
      },
      measurements: [
        { subject: 'tally', baseline: false, ...merged.tally },
        { subject: 'emmett-postgresql', baseline: true, ...merged.emmett },
        { subject: 'raw pg INSERT', baseline: true, ...merged['raw pg INSERT'] },
      ],
      headlines: [
        {
          label: 'tally / emmett',
          value: merged.tally.perSecond / merged.emmett.perSecond,
          unit: 'x',
          target: 2,
          kind: 'min',
        },
        {
          label: 'tally / raw INSERT',
          value: merged.tally.perSecond / merged['raw pg INSERT'].perSecond,
          unit: 'x',
          target: 1,
          kind: 'min',
        },
      ],
      notes: [
        `synchronous_commit=${(await tallyPool.query('SHOW synchronous_commit')).rows[0].synchronous_commit}`,
        'emmett uses its own default connection pool',
      ],
      curve,
    };
  } finally {
    await emmett.close();
    await Promise.all([tallyPool.end(), rawPool.end()]);
    await Promise.all(dbs.map((db) => db.drop()));
  }
}

/** Rounds of the same subject: totals for throughput, the worst round's percentiles (conservative). */
export function mergeRuns(runs: LoadResult[]): LoadResult {
  const operations = runs.reduce((sum, r) => sum + r.operations, 0);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return {
    operations,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    seconds,
    perSecond: operations / seconds,
    p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    maxMs: Math.max(...runs.map((r) => r.maxMs)),
  };
}
