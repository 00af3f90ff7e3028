import { randomBytes, randomUUID } from 'node:crypto';
import { Scope } from '@tally/http';
import {
  createTestDatabase,
  eventually,
  startService,
  testAuthEnv,
  testToken,
  type ServiceProcess,
  type TestDatabase,
} from '@tally/testing';

jest.setTimeout(120_000);

/** The command service alone, as a process: what the write side promises across crashes. */
describe('write side as a process', () => {
  let db: TestDatabase;
  let command: ServiceProcess;
  let admin: string;
  const env: Record<string, string> = {
    ...testAuthEnv(),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KAFKA_TOPIC: `tally.e2e.write.${randomBytes(4).toString('hex')}`,
    KAFKA_TOPIC_PARTITIONS: '3',
    RELAY_SWEEP_INTERVAL_MS: '200',
    TRANSFERS_SWEEP_INTERVAL_MS: '200',
    LOG_LEVEL: 'warn',
  };

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${command.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        authorization: `Bearer ${admin}`,
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: text.startsWith('{') ? JSON.parse(text) : text,
    };
  };

  beforeAll(async () => {
    admin = await testToken('e2e-admin', [Scope.Admin]);
    db = await createTestDatabase('e2e_write_side');
    env.WRITE_DATABASE_URL = db.url;
    command = await startService('command-service', { env });
  });

  afterAll(async () => {
    await command?.stop();
    await db?.drop();
  });

  it('moves money with a transfer and shows every step in the audit history', async () => {
    const open = async () =>
      (await call('POST', '/accounts', { ownerId: 'erin', currency: 'EUR' })).body.accountId;
    const [from, to] = [await open(), await open()];
    await call('POST', `/accounts/${from}/deposits`, { amount: 1_000, source: 'cash' });
    const accepted = await call('POST', '/transfers', { fromAccountId: from, toAccountId: to, amount: 250 });
    expect(accepted.status).toBe(202);

    const history = await eventually(async () => {
      const page = await call('GET', `/accounts/${to}/events`);
      expect(page.body.events.map((e: { type: string }) => e.type)).toContain(
        'tally.account.transfer-credited',
      );
      return page.body;
    });
    expect(history.events.at(-1).data).toEqual({
      transferId: accepted.body.transferId,
      amount: 250,
      fromAccountId: from,
    });
    const source = await call('GET', `/accounts/${from}/events`);
    expect(source.body.events.map((e: { type: string }) => e.type)).toEqual([
      'tally.account.opened',
      'tally.account.money-deposited',
      'tally.account.transfer-debited',
    ]);
  });

  it('answers an idempotent retry identically after the service was killed', async () => {
    const key = { 'idempotency-key': randomUUID() };
    const first = await call('POST', '/accounts', { ownerId: 'frank', currency: 'USD' }, key);
    expect(first.status).toBe(201);

    await command.stop('SIGKILL');
    command = await startService('command-service', { env });

    const retry = await call('POST', '/accounts', { ownerId: 'frank', currency: 'USD' }, key);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('serves the relay metrics and documents every write route', async () => {
    const metrics = await call('GET', '/metrics');
    expect(metrics.text).toMatch(/^tally_relay_backlog_events \d+$/m);
    expect(metrics.text).toMatch(/^tally_relay_published_total \d+$/m);
    await eventually(async () =>
      expect((await call('GET', '/metrics')).text).toMatch(/^tally_relay_backlog_events 0$/m),
    );

    const docs = await call('GET', '/docs-json');
    expect(Object.keys(docs.body.paths).sort()).toEqual([
      '/accounts',
      '/accounts/{id}/adjustments',
      '/accounts/{id}/close',
      '/accounts/{id}/deposits',
      '/accounts/{id}/events',
      '/accounts/{id}/withdrawals',
      '/transfers',
    ]);
  });
});
