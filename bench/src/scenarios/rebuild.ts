import { randomBytes, randomUUID } from 'node:crypto';
import { accountReadModels } from '@tally/accounts-read-models';
import { encodeEvent, type EventEnvelope } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import { createKafka, deadLetterTopicOf, ensureTopic } from '@tally/messaging';
import {
  lockStreamPositions,
  rebuildReadModels,
  saveStreamPositions,
  selectNewEvents,
} from '@tally/projections';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Partitioners, type Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const EVENTS_PER_ACCOUNT = 100;
/** The naive baseline replays every SLICE-th account's whole history: the same mix of events. */
const SLICE = 100;

/** Account i's event number v (1 = opened, then deposits), as the write side would publish it. */
function eventOf(accountId: string, owner: number, version: number): EventEnvelope {
  const opened = version === 1;
  return {
    eventId: randomUUID(),
    type: opened ? 'tally.account.opened' : 'tally.account.money-deposited',
    schemaVersion: opened ? 1 : 2,
    streamId: `account-${accountId}`,
    streamVersion: version,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + version * 1000).toISOString(),
    data: opened ? { accountId, ownerId: `owner${owner}`, currency: 'EUR' } : { amount: 100, source: 'api' },
    metadata: { correlationId: 'bench', causationId: 'bench' },
  };
}

/** Produces every account's history round by round (all first events, then all second events...). */
async function fillTopics(
  kafka: Kafka,
  topic: string,
  sliceTopic: string,
  accounts: string[],
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const inflight = new Set<Promise<unknown>>();
    for (let version = 1; version <= EVENTS_PER_ACCOUNT; version++) {
      const all = [];
      const slice = [];
      for (const [i, id] of accounts.entries()) {
        const event = eventOf(id, i % 1_000, version);
        const message = { key: event.streamId, value: encodeEvent(event) };
        all.push(message);
        if (i % SLICE === 0) slice.push(message);
      }
      const sent = producer.sendBatch({
        acks: 1,
        topicMessages: [
          { topic, messages: all },
          { topic: sliceTopic, messages: slice },
        ],
      });
      inflight.add(sent);
      void sent.finally(() => inflight.delete(sent));
      if (inflight.size >= 3) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  } finally {
    await producer.disconnect();
  }
}

/**
 * The naive way: one PostgreSQL transaction per event (same exactly-once bookkeeping and the same
 * projections, Kafka offsets committed per fetched batch as kafkajs does by default).
 */
async function naiveRebuild(kafka: Kafka, topic: string, db: TestDatabase, total: number): Promise<number> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url: db.url,
    entities: accountReadModels.entities,
    extra: { max: 2 },
  }).initialize();
  const projections = accountReadModels.projections();
  const consumer = kafka.consumer({ groupId: `${topic}-naive`, maxWaitTimeInMs: 100 });
  let applied = 0;
  let first: bigint | undefined;
  let last = 0n;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          first ??= process.hrtime.bigint();
          const event = JSON.parse(String(message.value)) as EventEnvelope;
          await dataSource.transaction(async (tx) => {
            const positions = await lockStreamPositions(tx, 'accounts', [event.streamId]);
            const selected = selectNewEvents([event], positions, []);
            for (const projection of projections) await projection.apply(selected.fresh, tx);
            await saveStreamPositions(tx, 'accounts', selected.advanced);
          });
          last = process.hrtime.bigint();
          if (++applied === total) resolve();
        },
      });
    });
    await done;
    return Number(last - (first ?? last)) / 1e9;
  } finally {
    await consumer.disconnect();
    await dataSource.destroy();
  }
}

/**
 * Rebuilding the read models from 1,000,000 events on the topic (10,000 accounts × 100 events) with
 * the rebuild tool's code (shadow tables, a fresh consumer group, atomic swap), against the naive
 * one-event-per-transaction replay of a 1 % slice with the same mix of events.
 */
export async function rebuildScenario(settings: BenchSettings): Promise<ScenarioResult> {
  // BENCH_REBUILD_ACCOUNTS: fewer accounts while iterating on the rebuild; reported figures use 10,000.
  const accountCount = Number(process.env.BENCH_REBUILD_ACCOUNTS) || (settings.quick ? 1_000 : 10_000);
  const total = accountCount * EVENTS_PER_ACCOUNT;
  const sliceTotal = Math.ceil(accountCount / SLICE) * EVENTS_PER_ACCOUNT;
  const kafka = createKafka(
    { brokers: settings.kafkaBrokers.split(','), clientId: 'bench-rebuild', topic: '', partitions: 12 },
    quiet,
  );
  const suffix = randomBytes(3).toString('hex');
  const [topic, sliceTopic] = [`bench.rebuild.${suffix}`, `bench.rebuild-slice.${suffix}`];
  for (const t of [topic, sliceTopic, deadLetterTopicOf(topic), deadLetterTopicOf(sliceTopic)])
    await ensureTopic(kafka, t, 12);
  const accounts = Array.from({ length: accountCount }, () => randomUUID());
  const fillStart = Date.now();
  await fillTopics(kafka, topic, sliceTopic, accounts);
  const fillSeconds = (Date.now() - fillStart) / 1000;
  const [rebuildDb, naiveDb] = await Promise.all([
    createTestDatabase('bench_rebuild'),
    createTestDatabase('bench_naive'),
  ]);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  try {
    await runMigrations(rebuildDb.url, accountReadModels.migrations, 'read');
    await runMigrations(naiveDb.url, accountReadModels.migrations, 'read');
    const naiveSeconds = await naiveRebuild(kafka, sliceTopic, naiveDb, sliceTotal);
    const baseRss = process.memoryUsage.rss();
    peakRss = baseRss;
    let caughtUpAt = 0n;
    let indexingAt = 0n;
    let firstChunkAt: bigint | undefined;
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
      logger: quiet,
      onProgress: ({ phase, done }) => {
        if (done > 0) firstChunkAt ??= process.hrtime.bigint();
        if (phase === 'indexing') indexingAt = process.hrtime.bigint();
        if (phase === 'swapping') caughtUpAt = process.hrtime.bigint();
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const steadySeconds = Number(caughtUpAt - (firstChunkAt ?? started)) / 1e9;
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
        partitions: 12,
        naiveSlice: sliceTotal,
        topicFillSeconds: Math.round(fillSeconds),
      },
      measurements: [
        {
          subject: 'tally rebuild (shadow tables + swap)',
          baseline: false,
          figures: {
            'events/s': rate,
            seconds,
            'steady events/s': total / steadySeconds,
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
        'rebuild time is wall clock from start to swapped in (group join and swap included)',
        'the naive rate is timed from its first message to its last (group join excluded)',
        `peak RSS of the bench process during the rebuild: ${Math.round(peakRss / 2 ** 20)} MB`,
      ],
    };
  } finally {
    clearInterval(sampler);
    await Promise.all([rebuildDb.drop(), naiveDb.drop()]);
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [topic, sliceTopic, deadLetterTopicOf(topic), deadLetterTopicOf(sliceTopic)] })
      .catch(() => undefined);
    await admin.disconnect();
  }
}
