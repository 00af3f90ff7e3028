import { randomBytes } from 'node:crypto';
import {
  FaultProxy,
  createTestDatabase,
  eventually,
  startService,
  testAuthEnv,
  testToken,
  type ServiceProcess,
  type TestDatabase,
} from '@tally/testing';
import { post } from './system';

jest.setTimeout(120_000);

/** While PostgreSQL is unreachable the write API answers 503 (never 500, never a hang) and recovers by itself. */
describe('command service while PostgreSQL is down', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let command: ServiceProcess;
  let token: string;

  beforeAll(async () => {
    token = await testToken('before');
    db = await createTestDatabase('e2e_outage');
    const target = new URL(db.url);
    proxy = await new FaultProxy(Number(target.port)).listen();
    target.port = String(proxy.port);
    command = await startService('command-service', {
      env: {
        ...testAuthEnv(),
        WRITE_DATABASE_URL: target.toString(),
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        KAFKA_TOPIC: `tally.e2e.outage.${randomBytes(4).toString('hex')}`,
        KAFKA_TOPIC_PARTITIONS: '1',
        LOG_LEVEL: 'fatal',
      },
    });
  });

  afterAll(async () => {
    await command?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 problems with Retry-After, turns unready, and recovers when the database returns', async () => {
    expect((await post(command.url, '/accounts', { ownerId: 'before', currency: 'EUR' }, token)).status).toBe(
      201,
    );

    proxy.mode = 'refuse';
    proxy.cut();
    const response = await fetch(`${command.url}/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ownerId: 'before', currency: 'EUR' }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 503, code: 'dependency-unavailable' });
    expect((await fetch(`${command.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${command.url}/health/live`)).status).toBe(200);

    proxy.mode = 'pass';
    await eventually(async () => {
      expect(
        (await post(command.url, '/accounts', { ownerId: 'before', currency: 'EUR' }, token)).status,
      ).toBe(201);
      expect((await fetch(`${command.url}/health/ready`)).status).toBe(200);
    }, 20_000);
  });
});
