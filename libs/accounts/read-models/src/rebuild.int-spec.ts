import {
  ProjectionConsumer,
  rebuildReadModels,
  type BulkLoadable,
  type RebuildProgress,
} from '@tally/projections';
import {
  EventStreams,
  asDelivered as decoded,
  asMessages,
  createTestTopic,
  eventually,
  produce,
  quietLogger as quiet,
} from '@tally/testing';
import type { DataSource } from 'typeorm';
import { accountReadModels } from './account-read-models';
import { createReadDatabase, foldReadModels, readModelSnapshot, type ReadDatabase } from './testing';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rebuilding the read models while they serve', () => {
  let db: ReadDatabase;
  let dataSource: DataSource;
  let live: ProjectionConsumer | undefined;
  const snapshot = () => readModelSnapshot((sql) => dataSource.query(sql));
  const leftoverSchemas = () =>
    dataSource.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%' OR nspname LIKE 'retired\\_%'`,
    );

  beforeAll(async () => {
    db = await createReadDatabase('rebuild', 8);
    dataSource = db.dataSource;
  });

  afterAll(async () => {
    await live?.stop();
    await db?.drop();
  });

  it('swaps in tables equal to the live ones, with reads answered consistently throughout', async () => {
    const { kafka, topic } = await createTestTopic('rebuild', 3);
    const streams = new EventStreams();
    const ids = Array.from(
      { length: 30 },
      (_, i) => (streams.open(`owner${i % 5}`).data as { accountId: string }).accountId,
    );
    for (let round = 0; round < 20; round++) for (const id of ids) streams.deposit(id, round + 1);
    streams.transfer(ids[0], ids[1], 5);
    await produce(kafka, topic, asMessages(streams.events));
    live = new ProjectionConsumer({
      kafka,
      topic,
      groupId: `${topic}-live`,
      projector: accountReadModels.projector,
      dataSource,
      projections: accountReadModels.projections(),
      logger: quiet,
      onFatal: (error) => {
        throw error;
      },
    });
    await live.start();
    await eventually(
      async () => expect(await snapshot()).toEqual(foldReadModels(decoded(streams.events))),
      30_000,
    );

    // Readers: every answer must be a state the live tables could have had: all accounts present,
    // money only ever growing (only deposits happen meanwhile), ledger and summary agreeing.
    let reading = true;
    const problems: string[] = [];
    let reads = 0;
    const reader = (async () => {
      let lastTotal = 0;
      while (reading) {
        try {
          const [row] = await dataSource.query(
            `SELECT count(*)::int AS accounts, sum(balance)::bigint AS total,
                    (SELECT count(*)::int FROM accounts a WHERE a.balance <> (SELECT balance_after FROM ledger_entries l
                      WHERE l.account_id = a.account_id ORDER BY version DESC LIMIT 1)) AS disagreeing
             FROM accounts`,
          );
          if (row.accounts !== ids.length) problems.push(`saw ${row.accounts} accounts`);
          if (Number(row.total) < lastTotal)
            problems.push(`total went back from ${lastTotal} to ${row.total}`);
          if (row.disagreeing !== 0) problems.push(`${row.disagreeing} accounts disagree with their ledger`);
          lastTotal = Number(row.total);
          reads++;
        } catch (error) {
          problems.push((error as Error).message);
        }
        await sleep(5);
      }
    })();
    // Writers keep going during the rebuild.
    let writing = true;
    const writer = (async () => {
      for (let round = 0; writing && round < 200; round++) {
        await produce(kafka, topic, asMessages([streams.deposit(ids[round % ids.length], 1_000)]));
        await sleep(10);
      }
    })();

    const progress: RebuildProgress[] = [];
    const result = await rebuildReadModels({
      kafka,
      topic,
      databaseUrl: db.url,
      projector: accountReadModels.projector,
      groupId: `${topic}-rebuild`,
      label: 'spec',
      tables: accountReadModels.tables,
      entities: accountReadModels.entities,
      projections: accountReadModels.projections,
      logger: quiet,
      onProgress: (p) => progress.push(p),
    });
    writing = false;
    await writer;
    // The live consumer carries on, on the swapped-in tables.
    await produce(kafka, topic, asMessages([streams.deposit(ids[0], 7)]));
    await eventually(
      async () => expect(await snapshot()).toEqual(foldReadModels(decoded(streams.events))),
      30_000,
    );
    reading = false;
    await reader;

    expect(problems).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect(result.messages).toBeGreaterThanOrEqual(30 + 600 + 5);
    expect(result.applied).toBeGreaterThanOrEqual(30 + 600 + 5);
    expect(progress.at(-1)).toMatchObject({ phase: 'done' });
    expect(progress.some((p) => p.phase === 'catching-up' && p.done > 0 && p.total >= p.done)).toBe(true);
    expect(await leftoverSchemas()).toEqual([]);
    // The swapped-in tables kept the migrations' index names.
    const indexes = await dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'accounts' ORDER BY 1`,
    );
    expect(indexes.map((i: { indexname: string }) => i.indexname)).toEqual([
      'accounts_opened_keyset',
      'accounts_owner_keyset',
      'accounts_owner_opened_keyset',
      'accounts_pkey',
    ]);
  });

  it('leaves the live tables untouched, and no shadow tables behind, when it fails after loading', async () => {
    const { kafka, topic } = await createTestTopic('rebuild-fails', 3);
    const streams = new EventStreams();
    const id = (streams.open('owner-f').data as { accountId: string }).accountId;
    for (let round = 0; round < 50; round++) streams.deposit(id, 1);
    await produce(kafka, topic, asMessages(streams.events));
    const before = await snapshot();
    // A faulty bulk load: one owner total written twice, which the primary key built after the
    // load rejects, once the shadow tables already hold every row.
    const faulty: BulkLoadable = {
      name: 'faulty',
      apply: async () => undefined,
      bulkLoad: (target) => {
        const totals = target.table('owner_balances', [
          'owner_id',
          'currency',
          'balance',
          'accounts',
          'open_accounts',
        ]);
        return {
          add: () => undefined,
          finish: () => {
            totals.write(['twice', 'EUR', 0, 0, 0]);
            totals.write(['twice', 'EUR', 0, 0, 0]);
          },
        };
      },
    };
    await expect(
      rebuildReadModels({
        kafka,
        topic,
        databaseUrl: db.url,
        projector: accountReadModels.projector,
        groupId: `${topic}-rebuild`,
        label: 'fails',
        tables: accountReadModels.tables,
        entities: accountReadModels.entities,
        projections: () => [...accountReadModels.projections(), faulty],
        logger: quiet,
      }),
    ).rejects.toThrow(/unique index/);
    expect(await snapshot()).toEqual(before);
    expect(await leftoverSchemas()).toEqual([]);
  });

  it('takes the live consumer path all the way when a projection offers no bulk load', async () => {
    const own = await createReadDatabase('rebuild_plain', 1);
    try {
      const { kafka, topic } = await createTestTopic('rebuild-plain', 3);
      const streams = new EventStreams();
      const ids = Array.from(
        { length: 6 },
        (_, i) => (streams.open(`owner${i % 2}`).data as { accountId: string }).accountId,
      );
      for (let round = 0; round < 10; round++) for (const id of ids) streams.deposit(id, round + 1);
      streams.transfer(ids[0], ids[1], 5);
      await produce(kafka, topic, asMessages(streams.events));
      const result = await rebuildReadModels({
        kafka,
        topic,
        databaseUrl: own.url,
        projector: accountReadModels.projector,
        groupId: `${topic}-rebuild`,
        label: 'plain',
        tables: accountReadModels.tables,
        entities: accountReadModels.entities,
        // Only the Projection interface: no bulkLoad.
        projections: () =>
          accountReadModels.projections().map((p) => ({ name: p.name, apply: p.apply.bind(p) })),
        logger: quiet,
      });
      expect(result.applied).toBe(streams.events.length);
      expect(await readModelSnapshot((sql) => own.dataSource.query(sql))).toEqual(
        foldReadModels(decoded(streams.events)),
      );
    } finally {
      await own.drop();
    }
  });
});
