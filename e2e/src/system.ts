import { randomBytes } from 'node:crypto';
import { Scope } from '@tally/http';
import {
  createTestDatabase,
  startService,
  testAuthEnv,
  testToken,
  type ServiceProcess,
  type TestDatabase,
} from '@tally/testing';

/**
 * Both services as separate processes, on their own throwaway databases and topic, so an e2e file
 * shares nothing with other tests that use the same PostgreSQL server and Kafka broker. They accept
 * the bearer tokens of `token()` (a secret of this test process).
 */
export class TestSystem {
  command!: ServiceProcess;
  query!: ServiceProcess;
  writeDb!: TestDatabase;
  readDb!: TestDatabase;
  readonly env: Record<string, string>;
  /** Variables for one service only, e.g. its own Kafka credentials. */
  readonly commandEnv: Record<string, string> = {};
  readonly queryEnv: Record<string, string> = {};

  /**
   * `leastPrivilege`: the services run as the `tally_command` and `tally_query` database roles,
   * while the owner (postgres) creates the databases and runs the migrations.
   */
  constructor(
    label: string,
    env: Record<string, string> = {},
    private readonly options: { leastPrivilege?: boolean } = {},
  ) {
    const suffix = randomBytes(4).toString('hex');
    this.env = {
      ...testAuthEnv(),
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC: `tally.e2e.${label}.${suffix}`,
      KAFKA_TOPIC_PARTITIONS: '3',
      KAFKA_GROUP_ID: `tally-e2e-${label}-${suffix}`,
      RELAY_SWEEP_INTERVAL_MS: '200',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
      ...env,
    };
  }

  /** A token these services accept: by default an owner's (write and read); see also `admin()`. */
  token(subject: string, scopes: string[] = [Scope.Write, Scope.Read]): Promise<string> {
    return testToken(subject, scopes);
  }

  /** A token that may act on and read every owner's accounts. */
  admin(): Promise<string> {
    return testToken('e2e-admin', [Scope.Admin]);
  }

  async start(): Promise<this> {
    [this.writeDb, this.readDb] = await Promise.all([
      createTestDatabase('e2e_write'),
      createTestDatabase('e2e_read'),
    ]);
    this.env.WRITE_DATABASE_URL = this.writeDb.url;
    this.env.READ_DATABASE_URL = this.readDb.url;
    if (this.options.leastPrivilege) {
      Object.assign(this.commandEnv, {
        WRITE_MIGRATION_DATABASE_URL: this.writeDb.url,
        WRITE_DATABASE_URL: withUser(this.writeDb.url, 'tally_command'),
      });
      Object.assign(this.queryEnv, {
        READ_MIGRATION_DATABASE_URL: this.readDb.url,
        READ_DATABASE_URL: withUser(this.readDb.url, 'tally_query'),
      });
    }
    this.command = await this.startCommand();
    this.query = await this.startQuery();
    return this;
  }

  startCommand(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return startService('command-service', { env: { ...this.env, ...this.commandEnv, ...env } });
  }

  startQuery(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return startService('query-service', { env: { ...this.env, ...this.queryEnv, ...env } });
  }

  async stop(): Promise<void> {
    await Promise.all([this.command?.stop(), this.query?.stop()]);
    await Promise.all([this.writeDb?.drop(), this.readDb?.drop()]);
  }
}

const withUser = (url: string, user: string): string => {
  const target = new URL(url);
  target.username = user;
  target.password = '';
  return target.toString();
};

/** `Authorization: Bearer <token>`, or nothing for an undefined token. */
export const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

export async function post(
  base: string,
  path: string,
  body: unknown,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token), ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export async function get(
  base: string,
  path: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, { headers: { ...bearer(token), ...headers } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}
