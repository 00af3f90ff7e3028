import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  createTestDatabase,
  eventually,
  freePort,
  testAuthEnv,
  testToken,
  type TestDatabase,
} from '@tally/testing';
import { get, post } from './system';

jest.setTimeout(240_000);

const root = path.resolve(__dirname, '../..');

/** `npm start` as a user runs it (scripts/start.js, already built), in its own process group like a terminal's job. */
class LocalStack {
  private child?: ChildProcess;
  private output = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.env };
    delete env.KAFKA_BROKERS; // npm test's broker: `npm start` must start its own
    this.output = '';
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js'), '--no-build'], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer) => (this.output = `${this.output}${chunk}`.slice(-20_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${this.output}`);
        if (!this.output.includes('Tally is running')) throw new Error(`not running yet:\n${this.output}`);
      },
      120_000,
      200,
    );
  }

  /** Ctrl-C: SIGINT to the whole process group (start.js, both services and the broker's JVM). */
  async interrupt(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-(child.pid as number), 'SIGINT');
    return exited;
  }

  /** Whatever is left, if a test failed half-way. */
  kill(): void {
    if (this.child?.pid && this.child.exitCode === null) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  lastOutput(): string {
    return this.output;
  }
}

/** What an independent Kafka client finds on the topic: offsets per partition and every event id. */
async function readTopic(brokers: string, topic: string) {
  const kafka = new Kafka({ clientId: 'restart-check', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  const [group] = await admin.fetchOffsets({ groupId: 'tally-query', topics: [topic] });
  await admin.disconnect();
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const eventIds = new Set<string>();
  const consumer = kafka.consumer({ groupId: `restart-check-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        eventIds.add(String(message.headers?.['event-id']));
        if (++seen >= total) resolve();
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
  clearTimeout(timer);
  await consumer.disconnect();
  return {
    lows: offsets.map((p) => p.low),
    total,
    eventIds,
    committed: group.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0),
  };
}

/**
 * Issue 11: stopping and starting the local stack must not lose the log. `npm start`, traffic, Ctrl-C,
 * `npm start` again: the topic still holds every event it held (low watermark 0, every event of the
 * store), the query service's committed offsets are still there, and the system carries on.
 */
describe('npm start, Ctrl-C, npm start', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-start-kafka-'));
  let writeDb: TestDatabase;
  let readDb: TestDatabase;
  let stack: LocalStack;
  let urls: { command: string; query: string; kafka: string };

  beforeAll(async () => {
    [writeDb, readDb] = await Promise.all([
      createTestDatabase('start_write'),
      createTestDatabase('start_read'),
    ]);
    const [command, query, kafka] = [await freePort(), await freePort(), await freePort()];
    urls = {
      command: `http://127.0.0.1:${command}`,
      query: `http://127.0.0.1:${query}`,
      kafka: `127.0.0.1:${kafka}`,
    };
    stack = new LocalStack({
      ...testAuthEnv(),
      WRITE_DATABASE_URL: writeDb.url,
      READ_DATABASE_URL: readDb.url,
      KAFKA_DATA_DIR: dataDir,
      KAFKA_PORT: String(kafka),
      COMMAND_SERVICE_PORT: String(command),
      QUERY_SERVICE_PORT: String(query),
      RELAY_SWEEP_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
    });
  });

  afterAll(async () => {
    stack?.kill();
    await Promise.all([writeDb?.drop(), readDb?.drop()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds every event, and the consumer offsets, on the topic after a restart', async () => {
    const token = await testToken('restarter');
    await stack.start();
    const accounts: { id: string; version: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const opened = await post(urls.command, '/accounts', { ownerId: 'restarter', currency: 'EUR' }, token);
      expect(opened.status).toBe(201);
      let version = opened.body.version as number;
      for (let d = 0; d < 5; d++) {
        const deposit = await post(
          urls.command,
          `/accounts/${opened.body.accountId}/deposits`,
          { amount: 10 },
          token,
        );
        expect(deposit.status).toBe(200);
        version = deposit.body.version;
      }
      accounts.push({ id: opened.body.accountId, version });
    }
    const visible = async () => {
      for (const account of accounts) {
        const read = await get(urls.query, `/accounts/${account.id}`, token);
        if (read.body?.version !== account.version)
          throw new Error(`${account.id} at ${read.body?.version} (${read.status})\n${stack.lastOutput()}`);
      }
    };
    await eventually(visible, 30_000, 200); // relayed and applied: every event is on the topic
    const before = await readTopic(urls.kafka, 'tally.events');
    expect(before.total).toBeGreaterThanOrEqual(24);

    expect(await stack.interrupt()).toBe(0);
    await stack.start();

    const after = await readTopic(urls.kafka, 'tally.events');
    expect(after.lows.every((low) => low === '0')).toBe(true);
    expect(after.total).toBeGreaterThanOrEqual(before.total);
    const stored = await eventIdsInStore(writeDb.url);
    expect(stored.size).toBe(24);
    expect([...stored].filter((id) => !after.eventIds.has(id))).toEqual([]);
    expect(after.committed).toBeGreaterThanOrEqual(before.committed);
    expect(after.committed).toBeGreaterThan(0);

    // And it carries on: the read side has every account, and applies a new write exactly once.
    await visible();
    const deposit = await post(urls.command, `/accounts/${accounts[0].id}/deposits`, { amount: 1 }, token);
    expect(deposit.status).toBe(200);
    await eventually(
      async () => {
        const read = await get(urls.query, `/accounts/${accounts[0].id}`, token);
        if (read.body?.version !== deposit.body.version) throw new Error(`at ${read.body?.version}`);
        expect(read.body.balance).toBe(51);
      },
      30_000,
      200,
    );
    expect(await stack.interrupt()).toBe(0);
  });
});

async function eventIdsInStore(url: string): Promise<Set<string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ event_id: string }>('SELECT event_id FROM events');
    return new Set(rows.map((row) => row.event_id));
  } finally {
    await client.end();
  }
}
