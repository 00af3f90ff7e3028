import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { foldReadModels, readModelSnapshot } from '@tally/accounts-read-models/testing';
import { decodeEvent, encodeEvent, type EventEnvelope } from '@tally/contracts';
import { EventLog, START_OF_STORE } from '@tally/event-log';
import { createKafka, deadLetterTopicOf, ensureTopic } from '@tally/messaging';
import {
  createTestDatabase,
  eventually,
  freePort,
  startService,
  type ServiceProcess,
  type TestDatabase,
  quietLogger,
} from '@tally/testing';
import { Client, Pool } from 'pg';
import { TestSystem, get, post } from './system';

jest.setTimeout(240_000);

const run = promisify(execFile);
const cli = (name: string) => path.resolve(__dirname, '../../dist/apps/query-service/src', `${name}.js`);
/** Accounts written straight into the store: enough history that a backfill takes a moment. */
const BULK_ACCOUNTS = 200;
const BULK_EVENTS_PER_ACCOUNT = 100;

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Every event of the store, decoded (and upcast) as the read side decodes the topic. */
async function storeEvents(url: string): Promise<EventEnvelope[]> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const events: EventEnvelope[] = [];
    for (let position = START_OF_STORE; ;) {
      const batch = await new EventLog(pool).readAllAfter(position, 10_000);
      if (batch.length === 0) return events;
      events.push(...batch.map((e) => decodeEvent(encodeEvent(e))));
      position = batch[batch.length - 1].position;
    }
  } finally {
    await pool.end();
  }
}

const snapshotOf = (url: string) =>
  withClient(url, (client) => readModelSnapshot(async (sql) => (await client.query(sql)).rows));

/**
 * The topic loses its history (deleted and created again, as a broker started on a fresh data
 * directory would have it) while the event store keeps everything: the read side is rebuilt, and a
 * new replica set is filled, from the store.
 */
describe('after the topic lost its history', () => {
  const system = new TestSystem('lost_topic');
  let admin: string;
  let replicaDb: TestDatabase | undefined;
  let replica: ServiceProcess | undefined;

  beforeAll(async () => {
    await system.start();
    admin = await system.admin();
  });
  afterAll(async () => {
    await replica?.stop();
    await replicaDb?.drop();
    await system.stop();
  });

  it('npm run rebuild succeeds from the store, and a new replica set serves every account once filled', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        (await post(system.command.url, '/accounts', { ownerId: `lost${i % 2}`, currency: 'EUR' }, admin))
          .body.accountId,
      );
    for (let round = 0; round < 5; round++)
      for (const id of ids) await post(system.command.url, `/accounts/${id}/deposits`, { amount: 10 }, admin);
    await withClient(system.writeDb.url, async (client) => {
      await client.query(
        `INSERT INTO streams (stream_id, stream_type, version)
         SELECT 'account-' || md5('lost' || i)::uuid, 'account', $2 FROM generate_series(1, $1) AS i`,
        [BULK_ACCOUNTS, BULK_EVENTS_PER_ACCOUNT],
      );
      await client.query(
        `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
         SELECT 'account-' || md5('lost' || i)::uuid, v, gen_random_uuid(),
                CASE WHEN v = 1 THEN 'tally.account.opened' ELSE 'tally.account.money-deposited' END, 1,
                CASE WHEN v = 1 THEN jsonb_build_object('accountId', md5('lost' || i)::uuid, 'ownerId', 'bulk', 'currency', 'EUR')
                     ELSE '{"amount": 3}'::jsonb END,
                '{"correlationId": "e2e", "causationId": "e2e"}', now()
         FROM generate_series(1, $2) AS v, generate_series(1, $1) AS i ORDER BY v, i`,
        [BULK_ACCOUNTS, BULK_EVENTS_PER_ACCOUNT],
      );
    });
    const accounts = ids.length + BULK_ACCOUNTS;
    await eventually(async () => {
      const portfolio = await get(system.query.url, '/owners/bulk/portfolio', admin);
      expect(portfolio.body.totals?.[0]).toMatchObject({ accounts: BULK_ACCOUNTS });
    }, 60_000);

    // The topic loses its history: both services stopped, the topic deleted and created again.
    await Promise.all([system.command.stop(), system.query.stop()]);
    const kafka = createKafka(
      { brokers: system.env.KAFKA_BROKERS.split(','), clientId: 'e2e-lost', topic: '', partitions: 3 },
      quietLogger,
    );
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      await kafkaAdmin.deleteTopics({ topics: [system.env.KAFKA_TOPIC] });
      await eventually(async () => {
        expect(await kafkaAdmin.listTopics()).not.toContain(system.env.KAFKA_TOPIC);
        await ensureTopic(kafka, system.env.KAFKA_TOPIC, 3);
      }, 30_000);
      await ensureTopic(kafka, deadLetterTopicOf(system.env.KAFKA_TOPIC), 3);
      const offsets = await kafkaAdmin.fetchTopicOffsets(system.env.KAFKA_TOPIC);
      expect(offsets.every((p) => p.high === '0')).toBe(true);
    } finally {
      await kafkaAdmin.disconnect();
    }
    system.command = await system.startCommand();
    system.query = await system.startQuery();
    await post(system.command.url, `/accounts/${ids[0]}/deposits`, { amount: 1 }, admin);

    // npm run rebuild: from the store, whatever the topic holds; the tables then equal its fold.
    const before = await snapshotOf(system.readDb.url);
    const { stdout } = await run(process.execPath, [cli('rebuild')], {
      env: { ...process.env, ...system.env },
    });
    // Not a terminal: JSON lines, the outcome last.
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    expect(outcome).toMatchObject({ type: 'result', state: 'succeeded', progress: { source: 'store' } });
    expect(outcome.result.applied).toBeGreaterThan(0);
    const expected = foldReadModels(await storeEvents(system.writeDb.url));
    await eventually(async () => expect(await snapshotOf(system.readDb.url)).toEqual(expected), 30_000);
    expect(expected.accounts).toHaveLength(accounts);
    expect(before.accounts).toHaveLength(accounts);

    // A new replica set (its own read database and group) after the topic lost its history:
    // readiness down, saying how far the backfill is, then every account served.
    replicaDb = await createTestDatabase('e2e_replica_set');
    const port = await freePort();
    const answers: { status: number; body: string }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answer = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
          async (r) => ({ status: r.status, body: await r.text() }),
          () => undefined,
        );
        if (answer) answers.push(answer);
        if (answer?.status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    replica = await startService('query-service', {
      port,
      env: {
        ...system.env,
        READ_DATABASE_URL: replicaDb.url,
        KAFKA_GROUP_ID: `${system.env.KAFKA_GROUP_ID}-new-set`,
      },
      readyTimeoutMs: 120_000,
    });
    polling = false;
    await poller;
    const red = answers.filter((a) => a.status !== 200);
    expect(red.length).toBeGreaterThan(0);
    expect(red.every((a) => a.status === 503)).toBe(true);
    expect(red.map((a) => a.body).join('\n')).toMatch(
      /backfilling from the event store \(replaying\): \d+ of \d+ events replayed/,
    );
    const portfolio = await get(replica.url, '/owners/bulk/portfolio', admin);
    expect(portfolio.body.totals[0]).toMatchObject({ accounts: BULK_ACCOUNTS });
    for (const id of ids) expect((await get(replica.url, `/accounts/${id}`, admin)).body.accountId).toBe(id);
    // ... and it consumes the topic from where its backfill ended: a new write reaches it.
    const write = await post(system.command.url, `/accounts/${ids[1]}/deposits`, { amount: 2 }, admin);
    const read = await get(replica.url, `/accounts/${ids[1]}`, admin, {
      'x-consistency-token': write.body.consistencyToken,
    });
    expect(read.status).toBe(200);
    expect(read.body.balance).toBe(52);
    await eventually(
      async () =>
        expect(await snapshotOf(replicaDb!.url)).toEqual(
          foldReadModels(await storeEvents(system.writeDb.url)),
        ),
      30_000,
    );
  });
});
