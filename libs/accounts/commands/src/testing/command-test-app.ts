import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { runMigrations } from '@tally/database';
import { EventStoreModule, WRITE_POOL, defaultGroupCommitOptions } from '@tally/event-store';
import {
  AuthModule,
  createHttpApp,
  loggingConfigFromEnv,
  loggingModule,
  type RateLimitConfig,
} from '@tally/http';
import { KafkaModule } from '@tally/messaging';
import { createTestDatabase, testAuthConfig, testAuthHeader, type TestDatabase } from '@tally/testing';
import type { Pool } from 'pg';
import { AccountsCommandsModule } from '../accounts-commands.module';
import type { CommandsOptions } from '../commands-options';
import { writeSideMigrations } from '../write-side-migrations';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on the fields they expect
  body: any;
}

/**
 * The write side's HTTP app in process, on a throwaway database, for integration tests: the real
 * Fastify stack (body limits, validation, problem details) and the real PostgreSQL, without the
 * relay (nothing here needs Kafka; the relay has its own tests).
 */
export class CommandTestApp {
  app!: NestFastifyApplication;
  db!: TestDatabase;
  pool!: Pool;

  /** Sent on every request that brings no Authorization header of its own: alice, write and read. */
  defaultAuth: Record<string, string> = {};

  constructor(
    private readonly label: string,
    private readonly options: Partial<CommandsOptions> = {},
    private readonly rateLimit?: RateLimitConfig,
  ) {}

  async start(database?: TestDatabase): Promise<this> {
    this.db = database ?? (await createTestDatabase(this.label));
    await runMigrations(this.db.url, writeSideMigrations, 'write');
    const url = this.db.url;
    const options = this.options;
    @Module({
      imports: [
        loggingModule('command-service-test', loggingConfigFromEnv({ LOG_LEVEL: 'error', ...process.env })),
        AuthModule.forRoot(testAuthConfig()),
        CqrsModule.forRoot(),
        KafkaModule.forRoot({ brokers: ['127.0.0.1:1'], clientId: 'unused', topic: 'unused', partitions: 1 }),
        EventStoreModule.forRoot({
          connectionString: url,
          poolSize: 12,
          relay: { enabled: false, batchSize: 100, sweepIntervalMs: 1_000 },
          groupCommit: defaultGroupCommitOptions,
        }),
        AccountsCommandsModule.register(options),
      ],
    })
    class TestModule {}
    // Jest (CommonJS) cannot run the dynamic import() with which Swagger loads @fastify/static for the
    // /docs page; the docs are served by the real process (e2e), everything else is the real stack.
    SwaggerModule.setup = () => undefined;
    this.app = await createHttpApp(TestModule, {
      title: 'test',
      description: 'test',
      rateLimit: this.rateLimit,
    });
    this.defaultAuth = await testAuthHeader('alice');
    await this.app.init();
    await this.app.getHttpAdapter().getInstance().ready();
    this.pool = this.app.get(WRITE_POOL);
    return this;
  }

  /** Closes the app; keeps the database unless asked, so a test can start a new app on it ("restart"). */
  async stop(dropDatabase = true): Promise<void> {
    await this.app?.close();
    if (dropDatabase) await this.db?.drop();
  }

  async request(
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TestResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const response = await this.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method,
        url,
        payload,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.defaultAuth,
          ...headers,
        },
      });
    let parsed: unknown = response.body;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // not JSON (metrics, empty)
    }
    return { status: response.statusCode, headers: response.headers, body: parsed };
  }

  post = (url: string, body?: unknown, headers?: Record<string, string>) =>
    this.request('POST', url, body, headers);
  get = (url: string, headers?: Record<string, string>) => this.request('GET', url, undefined, headers);

  async openAccount(currency = 'EUR', deposit = 0): Promise<string> {
    const opened = await this.post('/accounts', { ownerId: 'alice', currency });
    if (opened.status !== 201) throw new Error(`open failed: ${JSON.stringify(opened.body)}`);
    const { accountId } = opened.body;
    if (deposit > 0) await this.post(`/accounts/${accountId}/deposits`, { amount: deposit });
    return accountId;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are asserted field by field
  async query<T = any>(sql: string, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, values)).rows;
  }
}
