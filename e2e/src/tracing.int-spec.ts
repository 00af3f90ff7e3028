/**
 * One deposit, one trace: both sides' code in this process (the write API with its relay, the read
 * API with its projection consumer) over a real PostgreSQL and Kafka, every span kept by an in-memory
 * exporter. The e2e twin (tracing.e2e-spec.ts) runs the built services and a local OTLP receiver.
 */
import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SpanKind } from '@opentelemetry/api';
import { AccountsCommandsModule, writeSideMigrations } from '@tally/accounts-commands';
import { accountReadModels } from '@tally/accounts-read-models';
import { runMigrations } from '@tally/database';
import { EventStoreModule, defaultGroupCommitOptions } from '@tally/event-store';
import { AuthModule, createHttpApp, loggingConfigFromEnv, loggingModule } from '@tally/http';
import { KafkaModule, createKafka, kafkaSettingsFromEnv, prepareTopics } from '@tally/messaging';
import { ProjectionsModule } from '@tally/projections';
import {
  createTestDatabase,
  eventually,
  quietLogger,
  testAuthConfig,
  testAuthHeader,
  type TestDatabase,
} from '@tally/testing';
import { inMemoryTracing, type InMemoryTracing } from '@tally/tracing/testing';

jest.setTimeout(120_000);

const suffix = randomBytes(4).toString('hex');
const kafka = kafkaSettingsFromEnv(`tracing-int-${suffix}`, {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  KAFKA_TOPIC: `tally.int.tracing.${suffix}`,
  KAFKA_TOPIC_PARTITIONS: '3',
});
const logging = loggingModule('tracing-int', loggingConfigFromEnv({ LOG_LEVEL: 'error' }));

async function commandSide(db: TestDatabase): Promise<NestFastifyApplication> {
  await runMigrations(db.url, writeSideMigrations, 'write');
  @Module({
    imports: [
      logging,
      AuthModule.forRoot(testAuthConfig()),
      CqrsModule.forRoot(),
      KafkaModule.forRoot(kafka),
      EventStoreModule.forRoot({
        connectionString: db.url,
        poolSize: 8,
        relay: { enabled: true, batchSize: 100, sweepIntervalMs: 200 },
        groupCommit: defaultGroupCommitOptions,
      }),
      AccountsCommandsModule.register({}),
    ],
  })
  class CommandSide {}
  return createHttpApp(CommandSide, { title: 'command', description: 'command', tracing: true });
}

async function querySide(db: TestDatabase): Promise<NestFastifyApplication> {
  await runMigrations(db.url, accountReadModels.migrations, 'read');
  @Module({
    imports: [
      logging,
      AuthModule.forRoot(testAuthConfig()),
      KafkaModule.forRoot(kafka),
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: db.url,
        entities: accountReadModels.entities,
        synchronize: false,
        logging: ['error'],
      }),
      TypeOrmModule.forFeature(accountReadModels.entities),
      ProjectionsModule.forRoot({
        groupId: `tracing-int-${suffix}`,
        projector: accountReadModels.projector,
        projections: accountReadModels.projections,
        sessionTimeoutMs: 6_000,
        databaseUrl: db.url,
        consistency: { defaultTimeoutMs: 2_000, maxTimeoutMs: 10_000 },
      }),
    ],
    controllers: accountReadModels.controllers,
    providers: accountReadModels.providers,
  })
  class QuerySide {}
  return createHttpApp(QuerySide, { title: 'query', description: 'query', tracing: true });
}

describe('one deposit, one trace across both services (in-memory exporter)', () => {
  let tracing: InMemoryTracing;
  let writeDb: TestDatabase;
  let readDb: TestDatabase;
  let command: NestFastifyApplication;
  let query: NestFastifyApplication;

  beforeAll(async () => {
    // The SDK first, as the services' main.ts does: spans need the provider and context manager.
    tracing = await inMemoryTracing();
    [writeDb, readDb] = await Promise.all([
      createTestDatabase('trace_write'),
      createTestDatabase('trace_read'),
    ]);
    await prepareTopics(createKafka(kafka, quietLogger), kafka, { deadLetter: true, logger: quietLogger });
    // Jest (CommonJS) cannot load what Swagger's /docs page imports dynamically; not needed here.
    SwaggerModule.setup = () => undefined;
    command = await commandSide(writeDb);
    query = await querySide(readDb);
    await Promise.all([
      command.listen({ port: 0, host: '127.0.0.1' }),
      query.listen({ port: 0, host: '127.0.0.1' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([command?.close(), query?.close()]);
    await tracing?.shutdown();
    await Promise.all([writeDb?.drop(), readDb?.drop()]);
  });

  const url = (app: NestFastifyApplication) => {
    const address = app.getHttpServer().address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  };

  it('holds spans from the write API, the relay, the consumer and the read API', async () => {
    const auth = await testAuthHeader('alice');
    const json = { ...auth, 'content-type': 'application/json' };
    const opened = await fetch(`${url(command)}/accounts`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ ownerId: 'alice', currency: 'EUR' }),
    });
    expect(opened.status).toBe(201);
    const { accountId } = (await opened.json()) as { accountId: string };

    const deposited = await fetch(`${url(command)}/accounts/${accountId}/deposits`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ amount: 250 }),
    });
    expect(deposited.status).toBe(200);
    const { consistencyToken } = (await deposited.json()) as { consistencyToken: string };
    const server = tracing.exporter
      .getFinishedSpans()
      .find((span) => span.name === 'POST /accounts/:id/deposits');
    expect(server).toBeDefined();
    const traceId = server!.spanContext().traceId;

    // The read joins the trace as a client would: with a traceparent of it (and the write's token).
    const read = await fetch(`${url(query)}/accounts/${accountId}`, {
      headers: {
        ...auth,
        'x-consistency-token': consistencyToken,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ balance: 250, version: 2 });

    const spans = await eventually(() => {
      const trace = tracing.spansOf(traceId);
      expect(trace.map((span) => span.name)).toEqual(
        expect.arrayContaining([
          'POST /accounts/:id/deposits',
          'DepositMoney',
          'append',
          `send ${kafka.topic}`,
          `process ${kafka.topic}`,
          `apply ${accountReadModels.projector}`,
          'GET /accounts/:id',
        ]),
      );
      return trace;
    }, 30_000);
    const named = (name: string) => spans.find((span) => span.name === name)!;
    const parentOf = (name: string) => named(name).parentSpanContext?.spanId;

    // Write side: request -> command -> append; the relay's send continues the command.
    expect(named('POST /accounts/:id/deposits').kind).toBe(SpanKind.SERVER);
    expect(parentOf('DepositMoney')).toBe(server!.spanContext().spanId);
    expect(parentOf('append')).toBe(named('DepositMoney').spanContext().spanId);
    expect(named(`send ${kafka.topic}`).kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(`send ${kafka.topic}`)).toBe(named('DepositMoney').spanContext().spanId);
    // Read side: the consumer continues the send (through the Kafka headers), apply under it.
    expect(named(`process ${kafka.topic}`).kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(`process ${kafka.topic}`)).toBe(named(`send ${kafka.topic}`).spanContext().spanId);
    expect(parentOf(`apply ${accountReadModels.projector}`)).toBe(
      named(`process ${kafka.topic}`).spanContext().spanId,
    );
    expect(named('GET /accounts/:id').kind).toBe(SpanKind.SERVER);
    expect(named('GET /accounts/:id').attributes['http.response.status_code']).toBe(200);
  });

  it("runs a transfer's later steps in the trace of the request that asked for it", async () => {
    const auth = await testAuthHeader('alice');
    const json = { ...auth, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${url(command)}${path}`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return (await response.json()) as { accountId: string; transferId: string };
    };
    const { accountId: from } = await post('/accounts', { ownerId: 'alice', currency: 'EUR' });
    const { accountId: to } = await post('/accounts', { ownerId: 'alice', currency: 'EUR' });
    await post(`/accounts/${from}/deposits`, { amount: 300 });
    tracing.exporter.reset();
    const { transferId } = await post('/transfers', { fromAccountId: from, toAccountId: to, amount: 120 });

    const request = tracing.exporter.getFinishedSpans().find((span) => span.name === 'POST /transfers')!;
    expect(request).toBeDefined();
    const spans = await eventually(() => {
      const trace = tracing.spansOf(request.spanContext().traceId);
      expect(trace.map((span) => span.name)).toEqual(
        expect.arrayContaining([
          'RequestTransfer',
          'transfer',
          'DebitForTransfer',
          'CreditForTransfer',
          'CompleteTransfer',
        ]),
      );
      // The credit reaches the read side in the same trace.
      expect(trace.filter((span) => span.name === `process ${kafka.topic}`).length).toBeGreaterThanOrEqual(3);
      return trace;
    }, 30_000);
    const transfer = spans.filter((span) => span.name === 'transfer');
    expect(transfer.every((span) => span.parentSpanContext?.spanId === request.spanContext().spanId)).toBe(
      true,
    );
    expect(transfer[0].attributes['tally.transfer.id']).toBe(transferId);
    const stepParents = new Set(transfer.map((span) => span.spanContext().spanId));
    for (const step of ['DebitForTransfer', 'CreditForTransfer', 'CompleteTransfer'])
      expect(stepParents.has(spans.find((span) => span.name === step)!.parentSpanContext!.spanId)).toBe(true);
  });
});
