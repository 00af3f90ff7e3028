import { randomUUID } from 'node:crypto';
import { writeSideMigrations } from '@tally/accounts-commands';
import { accountReadModels } from '@tally/accounts-read-models';
import { createReadDatabase, type ReadDatabase } from '@tally/accounts-read-models/testing';
import { runMigrations } from '@tally/database';
import { OutboxRelay, PostgresEventStore } from '@tally/event-store';
import { KafkaEventPublisher, deadLetterTopicOf, listDeadLetters } from '@tally/messaging';
import { PipelineOverviewReader, type PipelineOverview } from '@tally/operations';
import { DeadLetterMarks, ProjectionConsumer } from '@tally/projections';
import {
  createTestDatabase,
  createTestTopic,
  eventually,
  produce,
  quietLogger as quiet,
  type TestDatabase,
} from '@tally/testing';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';

jest.setTimeout(120_000);

const totalLag = (overview: PipelineOverview, set = 0) =>
  overview.replicaSets[set].partitions.reduce((sum, p) => sum + p.lag, 0);

/**
 * The overview against the real pieces: a PostgreSQL event store with the real relay publishing to a
 * real topic, and the real projection consumer applying it to a real read database. Nothing is read
 * from the relay's or the consumer's memory, so stopping them must show in the figures.
 */
describe('pipeline overview from Kafka and the databases', () => {
  let writeDb: TestDatabase;
  let readDb: ReadDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let topic: string;
  let store: PostgresEventStore;
  let relay: OutboxRelay;
  let publisher: KafkaEventPublisher;
  let reader: PipelineOverviewReader;
  let consumer: ProjectionConsumer | undefined;
  const groupId = `overview-${randomUUID()}`;

  beforeAll(async () => {
    [writeDb, readDb, { kafka, topic }] = await Promise.all([
      createTestDatabase('overview_write'),
      createReadDatabase('overview_read', 4),
      createTestTopic('overview', 3),
    ]);
    await runMigrations(writeDb.url, writeSideMigrations, 'write');
    pool = new Pool({ connectionString: writeDb.url, max: 4 });
    store = new PostgresEventStore(pool);
    publisher = new KafkaEventPublisher(kafka, topic);
    relay = new OutboxRelay({
      connectionString: writeDb.url,
      pool,
      publisher,
      logger: quiet,
      sweepIntervalMs: 100,
    });
    reader = new PipelineOverviewReader({
      kafka,
      topic,
      writeDatabaseUrl: writeDb.url,
      replicaSets: [{ groupId, databaseUrl: readDb.url }],
    });
  });

  afterAll(async () => {
    await consumer?.stop();
    await relay?.stop();
    await publisher?.close();
    await reader?.close();
    await pool?.end();
    await Promise.all([writeDb?.drop(), readDb?.drop()]);
  });

  const openAccounts = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const accountId = randomUUID();
      await store.append(`account-${accountId}`, 'account', 0, [
        {
          eventId: randomUUID(),
          type: 'tally.account.opened',
          schemaVersion: 1,
          data: { accountId, ownerId: 'alice', currency: 'EUR' },
          metadata: { correlationId: randomUUID(), causationId: randomUUID() },
          occurredAt: new Date(),
        },
      ]);
    }
  };

  const startConsumer = async () => {
    consumer = new ProjectionConsumer({
      kafka,
      topic,
      groupId,
      projector: accountReadModels.projector,
      dataSource: readDb.dataSource,
      projections: accountReadModels.projections(),
      logger: quiet,
      sessionTimeoutMs: 6_000,
      onFatal: (error) => {
        throw error;
      },
    });
    await consumer.start();
  };

  it('counts what the relay has not published, with no leader while it is stopped', async () => {
    await openAccounts(6);
    const overview = await reader.read();
    expect(overview.relay).toEqual({ leader: null, backlog: 6, lastPublishedAt: null });
    expect(totalLag(overview)).toBe(0);
    expect(overview.replicaSets[0].partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(overview.transfers).toEqual({ inFlight: 0, oldestAgeSeconds: null });
    expect(overview.deadLetters).toEqual({ total: 0, unhandled: 0 });
    expect(overview.commands).toBeNull();
    expect(overview.unavailable).toEqual([]);
  });

  it('shows every published event as lag while nothing consumes', async () => {
    relay.start();
    // One reading reads the topic's ends before the relay's checkpoint: wait for both to show it all.
    const overview = await eventually(async () => {
      const reading = await reader.read();
      expect(reading.relay?.backlog).toBe(0);
      expect(totalLag(reading)).toBe(6);
      return reading;
    }, 30_000);
    expect(overview.relay?.leader).toMatch(/^pid \d+ on /);
    expect(overview.relay?.lastPublishedAt).not.toBeNull();
    const [set] = overview.replicaSets;
    expect(totalLag(overview)).toBe(6);
    expect(set.members).toEqual([]);
    for (const p of set.partitions) {
      expect(p.appliedOffset).toBeNull();
      expect(p.lag).toBe(Number(p.endOffset));
      expect(p.member).toBeNull();
      // Behind with nothing applied: no event time to measure from.
      expect(p.freshnessSeconds).toBe(p.lag === 0 ? 0 : null);
    }
  });

  it('shows lag 0 and fresh partitions once the consumer has applied them, and who holds them', async () => {
    await startConsumer();
    const overview = await eventually(async () => {
      const reading = await reader.read();
      expect(totalLag(reading)).toBe(0);
      expect(reading.replicaSets[0].members).toHaveLength(1);
      return reading;
    }, 60_000);
    const [set] = overview.replicaSets;
    const [member] = set.members;
    expect(member.partitions).toEqual([0, 1, 2]);
    for (const p of set.partitions) {
      // A partition the keys left empty has nothing applied.
      expect(p.appliedOffset).toBe(p.endOffset === '0' ? null : p.endOffset);
      expect(p.freshnessSeconds).toBe(0);
      expect(p.member).toBe(member.clientId);
    }
    expect(set.parked).toBe(0);
    // One progress row per partition the consumer applied, written with its chunks.
    const [{ n }] = await readDb.dataSource.query(
      'SELECT count(*)::int AS n FROM projection_progress WHERE group_id = $1',
      [groupId],
    );
    expect(n).toBe(set.partitions.filter((p) => p.endOffset !== '0').length);
  });

  it('shows the lag growing, and freshness ageing, while the consumer is stopped', async () => {
    await consumer?.stop();
    consumer = undefined;
    await openAccounts(4);
    const first = await eventually(async () => {
      const reading = await reader.read();
      expect(totalLag(reading)).toBe(4);
      expect(reading.replicaSets[0].members).toEqual([]);
      return reading;
    }, 60_000);
    await openAccounts(3);
    const second = await eventually(async () => {
      const reading = await reader.read();
      expect(totalLag(reading)).toBe(7);
      return reading;
    }, 30_000);
    const behind = second.replicaSets[0].partitions.filter((p) => p.lag > 0 && p.freshnessSeconds !== null);
    expect(behind.length).toBeGreaterThan(0);
    for (const p of behind) {
      const before = first.replicaSets[0].partitions[p.partition].freshnessSeconds ?? 0;
      expect(p.freshnessSeconds).toBeGreaterThan(before);
    }
  });

  it('catches up again when a consumer of the group returns', async () => {
    await startConsumer();
    await eventually(async () => expect(totalLag(await reader.read())).toBe(0), 60_000);
  });

  it('counts dead letters, transfers in flight and their oldest age', async () => {
    await produce(kafka, deadLetterTopicOf(topic), [
      { key: 'a', value: 'not an event' },
      { key: 'b', value: 'nor this' },
    ]);
    await pool.query(
      `INSERT INTO transfers_in_flight (transfer_id, correlation_id, requested_at)
       VALUES ($1, 'c1', now() - interval '90 seconds'), ($2, 'c2', now())`,
      [randomUUID(), randomUUID()],
    );
    const overview = await reader.read();
    expect(overview.deadLetters).toEqual({ total: 2, unhandled: 2 });
    expect(overview.transfers?.inFlight).toBe(2);
    expect(overview.transfers?.oldestAgeSeconds).toBeGreaterThanOrEqual(90);
    expect(overview.transfers?.oldestAgeSeconds).toBeLessThan(600);

    // Marked by an operator (DeadLetterMarks, in the read database): one of the two, and one mark
    // for a letter the topic does not hold (expired), which must not count.
    const [first] = await listDeadLetters(kafka, topic);
    const marksDb = new Pool({ connectionString: readDb.url, max: 1 });
    await new DeadLetterMarks(marksDb, deadLetterTopicOf(topic))
      .mark([first, { ...first, id: `${first.partition}:99`, offset: '99' }], 'handled', { by: 'ops' })
      .finally(() => marksDb.end());
    const withHandled = new PipelineOverviewReader({
      kafka,
      topic,
      writeDatabaseUrl: writeDb.url,
      replicaSets: [],
      deadLetterMarksDatabaseUrl: readDb.url,
    });
    try {
      expect((await withHandled.read()).deadLetters).toEqual({ total: 2, unhandled: 1 });
    } finally {
      await withHandled.close();
    }
  });

  it('names a database that does not answer, and still shows the rest', async () => {
    const missing = new URL(readDb.url);
    missing.pathname = `/tally_test_missing_${randomUUID().slice(0, 8)}`;
    const broken = new PipelineOverviewReader({
      kafka,
      topic,
      writeDatabaseUrl: missing.toString(),
      replicaSets: [{ groupId, databaseUrl: missing.toString() }],
      deadLetterMarksDatabaseUrl: missing.toString(),
    });
    try {
      const overview = await broken.read();
      expect(overview.relay).toBeNull();
      expect(overview.transfers).toBeNull();
      expect(overview.unavailable.map((u) => u.source).sort()).toEqual([
        'dead-letter marks',
        `read database of ${groupId}`,
        'write database',
      ]);
      // From the group's committed offsets alone: the consumer has committed by now.
      await eventually(async () => expect(totalLag(await broken.read())).toBe(0), 30_000);
      expect(overview.replicaSets[0].parked).toBeNull();
      // Without the marks, every letter counts as unhandled; the topic's count still shows.
      expect(overview.deadLetters).toEqual({ total: 2, unhandled: 2 });
    } finally {
      await broken.close();
    }
  });
});
