import { randomUUID } from 'node:crypto';
import { writeSideMigrations } from '@tally/accounts-commands';
import { accountReadModels } from '@tally/accounts-read-models';
import { foldReadModels, readModelSnapshot } from '@tally/accounts-read-models/testing';
import { decodeEvent, encodeEvent, type EventEnvelope } from '@tally/contracts';
import { EVENT_LOG_READER_ROLE, runMigrations } from '@tally/database';
import { START_OF_STORE, EventLog } from '@tally/event-log';
import { OutboxRelay, PostgresEventStore } from '@tally/event-store';
import { KafkaEventPublisher } from '@tally/messaging';
import {
  ProjectionConsumer,
  StoreBackfill,
  rebuildReadModels,
  type StoreBackfillOptions,
  type Projection,
  type RebuildOptions,
  type RebuildProgress,
} from '@tally/projections';
import {
  EventStreams,
  asMessages,
  createTestDatabase,
  createTestTopic,
  eventually,
  produce,
  type TestDatabase,
  quietLogger,
} from '@tally/testing';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends fixture events to the store one by one, in their order: streams interleave as in life. */
async function append(store: PostgresEventStore, events: EventEnvelope[]): Promise<void> {
  for (const event of events)
    await store.append(event.streamId, event.streamId.split('-')[0], event.streamVersion - 1, [
      { ...event, occurredAt: new Date(event.occurredAt) },
    ]);
}

/**
 * Every event in the store, decoded as a consumer of the topic would see it. Waits until every
 * appended event is readable: a transaction still running in the store's database holds the global
 * order back (that is the gap-safety), and a replay started before it ends would stop short.
 */
async function storeContents(pool: Pool): Promise<EventEnvelope[]> {
  await eventually(async () => {
    const [{ n }] = (await pool.query('SELECT count(*)::int AS n FROM events')).rows;
    expect((await new EventLog(pool).readableHead()).events).toBe(n);
  }, 30_000);
  const events = [];
  for (let position = START_OF_STORE; ;) {
    const batch = await new EventLog(pool).readAllAfter(position, 1_000);
    if (batch.length === 0) return events;
    events.push(...batch.map((e) => decodeEvent(encodeEvent(e))));
    position = batch[batch.length - 1].position;
  }
}

/** Accounts with deposits (schema v1, upcast on the way), withdrawals and transfers. */
function history(accounts: number, rounds: number): { streams: EventStreams; ids: string[] } {
  const streams = new EventStreams();
  const ids = Array.from(
    { length: accounts },
    (_, i) => (streams.open(`owner${i % 4}`).data as { accountId: string }).accountId,
  );
  for (let round = 0; round < rounds; round++)
    for (const [i, id] of ids.entries()) {
      streams.deposit(id, 10 + round);
      if (round % 3 === 2) streams.withdraw(id, 5);
      if (round % 4 === 3) streams.transfer(id, ids[(i + 1) % ids.length], 3);
    }
  return { streams, ids };
}

describe('rebuilding the read models from the event store', () => {
  let writeDb: TestDatabase;
  let readDb: TestDatabase;
  let writePool: Pool;
  let store: PostgresEventStore;
  let readSource: DataSource;
  const snapshot = () => readModelSnapshot((sql) => readSource.query(sql));

  beforeAll(async () => {
    [writeDb, readDb] = await Promise.all([
      createTestDatabase('replay_write'),
      createTestDatabase('replay_read'),
    ]);
    await runMigrations(writeDb.url, writeSideMigrations, 'write');
    await runMigrations(readDb.url, accountReadModels.migrations, 'read');
    writePool = new Pool({ connectionString: writeDb.url, max: 8 });
    store = new PostgresEventStore(writePool);
    readSource = await new DataSource({ type: 'postgres', url: readDb.url, extra: { max: 4 } }).initialize();
  });

  afterAll(async () => {
    await readSource?.destroy();
    await writePool?.end();
    await Promise.all([writeDb?.drop(), readDb?.drop()]);
  });

  const rebuild = (kafka: RebuildOptions['kafka'], topic: string, extra: Partial<RebuildOptions> = {}) =>
    rebuildReadModels({
      kafka,
      topic,
      databaseUrl: readDb.url,
      projector: accountReadModels.projector,
      groupId: `${topic}-rebuild-${Date.now()}`,
      label: `replay${Date.now()}`,
      tables: accountReadModels.tables,
      entities: accountReadModels.entities,
      projections: accountReadModels.projections,
      logger: quietLogger,
      eventStore: { databaseUrl: writeDb.url },
      ...extra,
    });

  it('equals the fold of the store at any batch size, in bulk and through the exactly-once path', async () => {
    const { streams } = history(12, 8);
    await append(store, streams.events);
    // Nothing on the topic: the store alone is the history.
    const { kafka, topic } = await createTestTopic('replay-fold', 3);
    const expected = foldReadModels(await storeContents(writePool));
    expect(expected.accounts).toHaveLength(12);
    const plain = (): Projection[] =>
      accountReadModels.projections().map((p) => ({ name: p.name, apply: p.apply.bind(p) }));
    for (const [batchSize, projections] of [
      [1, accountReadModels.projections],
      [7, accountReadModels.projections],
      [5_000, accountReadModels.projections],
      [13, plain],
    ] as const) {
      const progress: RebuildProgress[] = [];
      const result = await rebuild(kafka, topic, {
        eventStore: { databaseUrl: writeDb.url, batchSize },
        projections,
        onProgress: (p) => progress.push(p),
      });
      expect({ batchSize, bulk: projections !== plain, tables: await snapshot() }).toEqual({
        batchSize,
        bulk: projections !== plain,
        tables: expected,
      });
      expect(result.applied).toBe(streams.events.length);
      expect(progress.filter((p) => p.phase === 'replaying').at(-1)).toMatchObject({
        source: 'store',
        done: streams.events.length,
        total: streams.events.length,
      });
    }
    const [{ parked }] = await readSource.query('SELECT count(*)::int AS parked FROM parked_events');
    expect(parked).toBe(0);
  });

  it('needs no more than tally_event_reader: SELECT on events, nothing else', async () => {
    const reader = new URL(writeDb.url);
    reader.username = EVENT_LOG_READER_ROLE;
    const client = new Client({ connectionString: reader.toString() });
    await client.connect();
    try {
      await client.query('SELECT count(*) FROM events');
      for (const [sql, refused] of [
        ['SELECT count(*) FROM streams', /permission denied/],
        ['SELECT count(*) FROM relay_checkpoints', /permission denied/],
        [`DELETE FROM events`, /permission denied/],
        [`UPDATE events SET data = '{}'`, /permission denied/],
      ] as const)
        await expect(client.query(sql)).rejects.toThrow(refused);
    } finally {
      await client.end();
    }
    const { kafka, topic } = await createTestTopic('replay-reader', 3);
    const before = await snapshot();
    const result = await rebuild(kafka, topic, { eventStore: { databaseUrl: reader.toString() } });
    expect(result.applied).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
  });

  it('hands over to the topic with writes running: no event missed, none applied twice', async () => {
    // History the topic never saw (as if it had been recreated): the relay starts past it.
    const { streams, ids } = history(20, 5);
    await append(store, streams.events);
    const { kafka, topic } = await createTestTopic('replay-handover', 3);
    const head = (await new EventLog(writePool).readableHead()).position!;
    await writePool.query(
      `INSERT INTO relay_checkpoints (relay, transaction_id, global_position) VALUES ('kafka', $1, $2)
       ON CONFLICT (relay) DO UPDATE SET transaction_id = $1, global_position = $2`,
      [head.transactionId, head.globalPosition],
    );
    const publisher = new KafkaEventPublisher(kafka, topic);
    const relay = new OutboxRelay({
      connectionString: writeDb.url,
      pool: writePool,
      publisher,
      logger: quietLogger,
      sweepIntervalMs: 50,
    });
    const liveSource = await new DataSource({
      type: 'postgres',
      url: readDb.url,
      entities: accountReadModels.entities,
      extra: { max: 4 },
    }).initialize();
    const live = new ProjectionConsumer({
      kafka,
      topic,
      groupId: `${topic}-live`,
      projector: accountReadModels.projector,
      dataSource: liveSource,
      projections: accountReadModels.projections(),
      logger: quietLogger,
      onFatal: (error) => {
        throw error;
      },
    });
    relay.start();
    await live.start();
    // Writers keep appending (deposits, and new accounts) through the replay, the handover and the swap.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      const more = new EventStreams();
      while (writing) {
        const id = ids[written % ids.length];
        const version = await store.streamVersion(`account-${id}`);
        await store.append(`account-${id}`, 'account', version, [
          {
            eventId: randomUUID(),
            type: 'tally.account.money-deposited',
            schemaVersion: 2,
            data: { amount: 1, source: 'api' },
            metadata: { correlationId: 'w', causationId: 'w' },
            occurredAt: new Date(),
          },
        ]);
        if (written % 10 === 0) await append(store, [more.open('owner-new')]);
        written++;
        await sleep(2);
      }
    })();
    try {
      await eventually(() => expect(live.appliedCount).toBeGreaterThan(20), 30_000);
      const progress: RebuildProgress[] = [];
      // Small batches: the replay takes long enough for the live tables to move ahead of it.
      const result = await rebuild(kafka, topic, {
        eventStore: { databaseUrl: writeDb.url, batchSize: 5 },
        onProgress: (p) => progress.push(p),
      });
      const writtenAtSwap = written;
      await eventually(() => expect(written).toBeGreaterThan(writtenAtSwap + 20), 30_000);
      writing = false;
      await writer;
      // The live consumer carries on, on the swapped-in tables, from the topic.
      const expected = foldReadModels(await storeContents(writePool));
      await eventually(async () => expect(await snapshot()).toEqual(expected), 30_000);
      expect(expected.accounts.length).toBeGreaterThan(20);
      // The handover was exercised: the topic was read by the rebuild's group after the replay.
      expect(progress.map((p) => p.phase)).toEqual(
        expect.arrayContaining(['replaying', 'catching-up', 'swapping', 'done']),
      );
      expect(result.handover.size).toBe(3);
      // Every stream at exactly its store version, nothing waiting behind a gap.
      const positions = await readSource.query(
        `SELECT stream_id, version FROM stream_positions WHERE projector = $1 ORDER BY stream_id`,
        [accountReadModels.projector],
      );
      const versions = await writePool.query(`SELECT stream_id, version FROM streams ORDER BY stream_id`);
      expect(positions).toEqual(versions.rows);
      const [{ parked }] = await readSource.query('SELECT count(*)::int AS parked FROM parked_events');
      expect(parked).toBe(0);
    } finally {
      writing = false;
      await writer;
      await live.stop();
      await relay.stop();
      await publisher.close();
      await liveSource.destroy();
    }
  });
});

describe('a new replica set, or a new projection, backfills from the event store before it serves', () => {
  let writeDb: TestDatabase;
  let writePool: Pool;

  beforeAll(async () => {
    writeDb = await createTestDatabase('backfill_write');
    await runMigrations(writeDb.url, writeSideMigrations, 'write');
    writePool = new Pool({ connectionString: writeDb.url, max: 4 });
    await append(new PostgresEventStore(writePool), history(15, 6).streams.events);
  });

  afterAll(async () => {
    await writePool?.end();
    await writeDb?.drop();
  });

  async function readDatabase<T>(work: (db: TestDatabase, source: DataSource) => Promise<T>): Promise<T> {
    const db = await createTestDatabase('backfill_read');
    await runMigrations(db.url, accountReadModels.migrations, 'read');
    const source = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 2 } }).initialize();
    try {
      return await work(db, source);
    } finally {
      await source.destroy();
      await db.drop();
    }
  }

  const backfill = (db: TestDatabase, kafka: StoreBackfillOptions['kafka'], topic: string, groupId: string) =>
    new StoreBackfill({
      kafka,
      topic,
      groupId,
      projector: accountReadModels.projector,
      projections: accountReadModels.projections,
      tables: accountReadModels.tables,
      entities: accountReadModels.entities,
      databaseUrl: db.url,
      eventStoreDatabaseUrl: writeDb.url,
      logger: quietLogger,
    });

  it('fills an empty read database, reporting progress, and starts a new group where the replay ended', async () => {
    const expected = foldReadModels(await storeContents(writePool));
    // The topic lost its history: it holds one message of later traffic only.
    const { kafka, topic } = await createTestTopic('backfill', 3);
    const later = new EventStreams();
    await produce(kafka, topic, asMessages([later.open('later')]));
    await readDatabase(async (db, source) => {
      const groupId = `${topic}-replica-set`;
      const filling = backfill(db, kafka, topic, groupId);
      const seen: string[] = [];
      const sampler = setInterval(() => seen.push(filling.describe()), 1);
      try {
        await filling.run();
      } finally {
        clearInterval(sampler);
      }
      expect(filling.done).toBe(true);
      expect(filling.status).toMatchObject({
        replayedEvents: expected.ledger.length > 0 ? expect.any(Number) : 0,
      });
      expect(filling.status.replayedEvents).toBe(filling.status.storeEvents);
      expect(
        seen.some((s) =>
          /^backfilling from the event store \(replaying\): \d+ of \d+ events replayed$/.test(s),
        ),
      ).toBe(true);
      expect(await readModelSnapshot((sql) => source.query(sql))).toEqual(expected);
      // The new group starts after what the replay covered: the message already there is not re-read.
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const total = committed.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
        expect(total).toBe(1);
      } finally {
        await admin.disconnect();
      }
      const catalog = await source.query('SELECT projection FROM projection_catalog ORDER BY 1');
      expect(catalog.map((r: { projection: string }) => r.projection)).toEqual(
        accountReadModels
          .projections()
          .map((p) => p.name)
          .sort(),
      );
      // Once filled, a restart finds nothing to do.
      const again = backfill(db, kafka, topic, groupId);
      const phases: string[] = [];
      const sampling = setInterval(() => phases.push(again.status.state), 1);
      await again.run().finally(() => clearInterval(sampling));
      expect(phases).not.toContain('replaying');
      expect(again.status.replayedEvents).toBe(0);
    });
  });

  it('rebuilds from the store when a projection is added to tables built without it', async () => {
    const { kafka, topic } = await createTestTopic('backfill-added', 3);
    const expected = foldReadModels(await storeContents(writePool));
    await readDatabase(async (db, source) => {
      // Built before, by a release without the transfers projection: no transfer rows, positions all there.
      await backfill(db, kafka, topic, `${topic}-g`).run();
      await source.query(
        `DELETE FROM transfers; DELETE FROM projection_catalog WHERE projection = 'transfers'`,
      );
      expect(await readModelSnapshot((sql) => source.query(sql))).not.toEqual(expected);
      const filling = backfill(db, kafka, topic, `${topic}-g`);
      await filling.run();
      expect(filling.status.replayedEvents).toBeGreaterThan(0);
      expect(await readModelSnapshot((sql) => source.query(sql))).toEqual(expected);
    });
  });
});
