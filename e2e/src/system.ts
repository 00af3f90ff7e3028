import { randomBytes } from 'node:crypto';
import { createTestDatabase, startService, type ServiceProcess, type TestDatabase } from '@tally/testing';

/**
 * Both services as separate processes, on their own throwaway databases and topic, so an e2e file
 * shares nothing with other tests that use the same PostgreSQL server and Kafka broker.
 */
export class TestSystem {
  command!: ServiceProcess;
  query!: ServiceProcess;
  writeDb!: TestDatabase;
  readDb!: TestDatabase;
  readonly env: Record<string, string>;

  constructor(label: string) {
    const suffix = randomBytes(4).toString('hex');
    this.env = {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC: `tally.e2e.${label}.${suffix}`,
      KAFKA_TOPIC_PARTITIONS: '3',
      KAFKA_GROUP_ID: `tally-e2e-${label}-${suffix}`,
      RELAY_SWEEP_INTERVAL_MS: '200',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
    };
  }

  async start(): Promise<this> {
    [this.writeDb, this.readDb] = await Promise.all([
      createTestDatabase('e2e_write'),
      createTestDatabase('e2e_read'),
    ]);
    this.env.WRITE_DATABASE_URL = this.writeDb.url;
    this.env.READ_DATABASE_URL = this.readDb.url;
    this.command = await startService('command-service', { env: this.env });
    this.query = await this.startQuery();
    return this;
  }

  startQuery(): Promise<ServiceProcess> {
    return startService('query-service', { env: this.env });
  }

  async stop(): Promise<void> {
    await Promise.all([this.command?.stop(), this.query?.stop()]);
    await Promise.all([this.writeDb?.drop(), this.readDb?.drop()]);
  }
}

export async function post(
  base: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function get(
  base: string,
  path: string,
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.json(), headers: response.headers };
}
