import { randomBytes } from 'node:crypto';
import { writeSideMigrations } from '@tally/accounts-commands';
import { accountReadModels } from '@tally/accounts-read-models';
import { runMigrations } from '@tally/database';
import { EventLog, START_OF_STORE } from '@tally/event-log';
import { createKafka, deadLetterTopicOf, ensureTopic } from '@tally/messaging';
import {
  lockStreamPositions,
  rebuildReadModels,
  saveStreamPositions,
  selectNewEvents,
} from '@tally/projections';
import { createTestDatabase, type TestDatabase, quietLogger } from '@tally/testing';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';

const EVENTS_PER_ACCOUNT = 100;
/** The naive baseline replays a store holding every SLICE-th account: the same mix of events. */
const SLICE = 100;

/**
 * Fills an event store as the write side would have: `accounts` accounts opened (schema v1), then
 * round after round one deposit each (v2), so that streams interleave in the global order. One
 * statement per round keeps the fill short; the replay reads the same rows either way.
 */
async function fillStore(url: string, accounts: number): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(
      `INSERT INTO streams (stream_id, stream_type, version)
       SELECT 'account-' || md5(i::text)::uuid, 'account', $2 FROM generate_series(1, $1) AS i`,
      [accounts, EVENTS_PER_ACCOUNT],
    );
    for (let version = 1; version <= EVENTS_PER_ACCOUNT; version++)
      await pool.query(
        `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
         SELECT 'account-' || md5(i::text)::uuid, $2, gen_random_uuid(),
                CASE WHEN $2 = 1 THEN 'tally.account.opened' ELSE 'tally.account.money-deposited' END,
                CASE WHEN $2 = 1 THEN 1 ELSE 2 END,
                CASE WHEN $2 = 1
                  THEN jsonb_build_object('accountId', md5(i::text)::uuid, 'ownerId', 'owner' || i % 1000, 'currency', 'EUR')
                  ELSE '{"amount": 100, "source": "api"}'::jsonb END,
                '{"correlationId": "bench", "causationId": "bench"}', timestamptz '2026-01-01' + $2 * interval '1 second'
         FROM generate_series(1, $1) AS i ORDER BY i`,
        [accounts, version],
      );
    await pool.query('VACUUM ANALYZE events');
    // Written out now, not by a checkpoint in the middle of the measurement.
    await pool.query('CHECKPOINT');
  } finally {
    await pool.end();
  }
}

/**
 * The naive way: the store read in order, one PostgreSQL transaction per event (same exactly-once
 * bookkeeping and the same projections). Returns the seconds from its first event to its last.
 */
async function naiveRebuild(storeUrl: string, db: TestDatabase): Promise<number> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url: db.url,
    entities: accountReadModels.entities,
    extra: { max: 2 },
  }).initialize();
  const store = new Pool({ connectionString: storeUrl, max: 1 });
  const projections = accountReadModels.projections();
  const log = new EventLog(store);
  try {
    const started = process.hrtime.bigint();
    for (let position = START_OF_STORE; ;) {
      const batch = await log.readAllAfter(position, 1_000);
      if (batch.length === 0) break;
      for (const event of batch)
        await dataSource.transaction(async (tx) => {
          const positions = await lockStreamPositions(tx, 'accounts', [event.streamId]);
          const selected = selectNewEvents([event], positions, []);
          for (const projection of projections) await projection.apply(selected.fresh, tx);
          await saveStreamPositions(tx, 'accounts', selected.advanced);
        });
      position = batch[batch.length - 1].position;
    }
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await store.end();
    await dataSource.destroy();
  }
}

/**
 * Rebuilding the read models from 1,000,000 events in the event store (10,000 accounts × 100 events)
 * with the rebuild tool's code (store replay in its global order, shadow tables, hand-over to an
 * empty topic, atomic swap), against the naive one-event-per-transaction replay of a store holding
 * a 1 % slice with the same mix of events.
 */
export async function rebuildScenario(settings: BenchSettings): Promise<ScenarioResult> {
  // BENCH_REBUILD_ACCOUNTS: fewer accounts while iterating on the rebuild; reported figures use 10,000.
  const accountCount = Number(process.env.BENCH_REBUILD_ACCOUNTS) || (settings.quick ? 1_000 : 10_000);
  const total = accountCount * EVENTS_PER_ACCOUNT;
  const sliceAccounts = Math.ceil(accountCount / SLICE);
  const sliceTotal = sliceAccounts * EVENTS_PER_ACCOUNT;
  const kafka = createKafka(
    { brokers: settings.kafkaBrokers.split(','), clientId: 'bench-rebuild', topic: '', partitions: 12 },
    quietLogger,
  );
  const suffix = randomBytes(3).toString('hex');
  // The topic the rebuild hands over to: empty, as after any retention.
  const topic = `bench.rebuild.${suffix}`;
  for (const t of [topic, deadLetterTopicOf(topic)]) await ensureTopic(kafka, t, 12);
  const [storeDb, sliceDb, rebuildDb, naiveDb] = await Promise.all([
    createTestDatabase('bench_rebuild_store'),
    createTestDatabase('bench_naive_store'),
    createTestDatabase('bench_rebuild'),
    createTestDatabase('bench_naive'),
  ]);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  try {
    for (const db of [storeDb, sliceDb]) await runMigrations(db.url, writeSideMigrations, 'write');
    await runMigrations(rebuildDb.url, accountReadModels.migrations, 'read');
    await runMigrations(naiveDb.url, accountReadModels.migrations, 'read');
    // The baseline first, before the large fill: its commits would otherwise wait on the flush of it.
    await fillStore(sliceDb.url, sliceAccounts);
    const naiveSeconds = await naiveRebuild(sliceDb.url, naiveDb);
    const fillStart = Date.now();
    await fillStore(storeDb.url, accountCount);
    const fillSeconds = (Date.now() - fillStart) / 1000;
    const baseRss = process.memoryUsage.rss();
    peakRss = baseRss;
    let caughtUpAt = 0n;
    let indexingAt = 0n;
    let firstBatchAt: bigint | undefined;
    const started = process.hrtime.bigint();
    const result = await rebuildReadModels({
      kafka,
      topic,
      databaseUrl: rebuildDb.url,
      projector: accountReadModels.projector,
      groupId: `${topic}-rebuild`,
      label: suffix,
      tables: accountReadModels.tables,
      entities: accountReadModels.entities,
      projections: accountReadModels.projections,
      logger: quietLogger,
      eventStore: { databaseUrl: storeDb.url },
      onProgress: ({ phase, done }) => {
        if (done > 0) firstBatchAt ??= process.hrtime.bigint();
        if (phase === 'indexing') indexingAt = process.hrtime.bigint();
        if (phase === 'swapping') caughtUpAt = process.hrtime.bigint();
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const steadySeconds = Number(indexingAt - (firstBatchAt ?? started)) / 1e9;
    const check = await new DataSource({ type: 'postgres', url: rebuildDb.url }).initialize();
    const [{ balance, n }] = await check.query(
      'SELECT sum(balance)::text AS balance, count(*)::int AS n FROM accounts',
    );
    await check.destroy();
    const expected = accountCount * (EVENTS_PER_ACCOUNT - 1) * 100;
    if (Number(balance) !== expected || n !== accountCount || result.applied !== total)
      throw new Error(`rebuild result wrong: ${n} accounts, balance ${balance}, applied ${result.applied}`);
    BenchSystem.recordPeak('rebuild (bench process)', peakRss / 2 ** 20);
    const rate = total / seconds;
    const naiveRate = sliceTotal / naiveSeconds;
    return {
      scenario: 'rebuild',
      parameters: {
        events: total,
        accounts: accountCount,
        source: 'event store',
        naiveSlice: sliceTotal,
        storeFillSeconds: Math.round(fillSeconds),
      },
      measurements: [
        {
          subject: 'tally rebuild from the store (shadow tables + swap)',
          baseline: false,
          figures: {
            'events/s': rate,
            seconds,
            'replay events/s': total / steadySeconds,
            'indexing seconds': Number(caughtUpAt - indexingAt) / 1e9,
          },
        },
        {
          subject: 'naive, one event per transaction',
          baseline: true,
          figures: { 'events/s': naiveRate, seconds: naiveSeconds },
        },
      ],
      headlines: [
        { label: 'rebuild events/s', value: rate, unit: '/s', target: 50_000, kind: 'min' },
        { label: 'rebuild / naive', value: rate / naiveRate, unit: 'x', target: 10, kind: 'min' },
      ],
      notes: [
        'rebuild time is wall clock from start to swapped in (store head, hand-over and swap included)',
        'both read the event store in its global order; the naive one is timed from its first read',
        `peak RSS of the bench process during the rebuild: ${Math.round(peakRss / 2 ** 20)} MB`,
      ],
    };
  } finally {
    clearInterval(sampler);
    await Promise.all([storeDb.drop(), sliceDb.drop(), rebuildDb.drop(), naiveDb.drop()]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, deadLetterTopicOf(topic)] }).catch(() => undefined);
    await admin.disconnect();
  }
}
