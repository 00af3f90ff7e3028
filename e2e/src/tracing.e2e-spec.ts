import { randomBytes } from 'node:crypto';
import { eventually } from '@tally/testing';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { OtlpReceiver, SpanKinds, type ReceivedSpan } from './tracing/otlp-receiver';
import { TestSystem, get, post } from './system';

jest.setTimeout(180_000);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The message at `offset` of `partition`, read by a client of this test's own (not the services'). */
async function readMessage(topic: string, partition: number, offset: string): Promise<KafkaMessage> {
  const kafka = new Kafka({
    clientId: 'tracing-check',
    brokers: [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `tracing-check-${hex(4)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let timer: NodeJS.Timeout | undefined;
    const found = new Promise<KafkaMessage>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition: p, message }) => {
          if (p === partition && message.offset === offset) resolve(message);
        },
      });
    });
    return await Promise.race([
      found,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no message at ${partition}:${offset}`)), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
}

describe('OpenTelemetry traces from the write API through Kafka to the read API', () => {
  const receiver = new OtlpReceiver();
  let system: TestSystem;
  let alice: string;

  beforeAll(async () => {
    await receiver.start();
    system = new TestSystem('tracing', {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    await system.start();
    alice = await system.token('alice');
  });
  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  it("continues a client's traceparent across both services and the topic", async () => {
    const opened = await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, alice);
    expect(opened.status).toBe(201);
    const { accountId } = opened.body;

    const traceId = hex(16);
    const clientSpan = hex(8);
    const deposited = await post(
      system.command.url,
      `/accounts/${accountId}/deposits`,
      { amount: 700 },
      alice,
      {
        traceparent: `00-${traceId}-${clientSpan}-01`,
        'x-correlation-id': `trace-test-${traceId}`,
      },
    );
    expect(deposited.status).toBe(200);
    // The correlation id still travels as before, beside the trace.
    expect(deposited.headers.get('x-correlation-id')).toBe(`trace-test-${traceId}`);

    // The client reads its write in the same trace (a new span of its own as the parent).
    const readSpan = hex(8);
    await eventually(async () => {
      const read = await get(system.query.url, `/accounts/${accountId}`, alice, {
        traceparent: `00-${traceId}-${readSpan}-01`,
      });
      expect(read.body).toMatchObject({ balance: 700, version: 2 });
    }, 30_000);

    // Spans are exported in batches (every few seconds): wait until the whole path has arrived.
    const spans = await eventually(() => {
      const trace = receiver.trace(traceId);
      const names = trace.map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'POST /accounts/:id/deposits',
          'DepositMoney',
          'append',
          `send ${system.env.KAFKA_TOPIC}`,
          `process ${system.env.KAFKA_TOPIC}`,
          'GET /accounts/:id',
        ]),
      );
      expect(trace.some((span) => span.name.startsWith('apply '))).toBe(true);
      return trace;
    }, 60_000);
    const one = (predicate: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
      const matches = spans.filter(predicate);
      if (matches.length !== 1) throw new Error(`expected one ${what}, found ${matches.length}`);
      return matches[0];
    };

    // One trace spanning both services.
    expect(new Set(spans.map((span) => span.service))).toEqual(
      new Set(['tally-command-service', 'tally-query-service']),
    );

    // Command side: HTTP (the client's span its parent) -> command -> append.
    const http = one((s) => s.name === 'POST /accounts/:id/deposits', 'deposit request span');
    expect(http).toMatchObject({
      service: 'tally-command-service',
      kind: SpanKinds.server,
      parentSpanId: clientSpan,
    });
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/accounts/:id/deposits',
      'http.response.status_code': 200,
      'tally.correlation_id': `trace-test-${traceId}`,
    });
    const command = one((s) => s.name === 'DepositMoney', 'command span');
    expect(command.parentSpanId).toBe(http.spanId);
    const append = one((s) => s.name === 'append', 'append span');
    expect(append).toMatchObject({ parentSpanId: command.spanId, kind: SpanKinds.client });
    expect(append.attributes).toMatchObject({ 'db.system.name': 'postgresql' });

    // The relay (later, on the leader) continues the command's trace from the event's metadata.
    const send = one((s) => s.kind === SpanKinds.producer, 'producer span');
    expect(send).toMatchObject({ service: 'tally-command-service', parentSpanId: command.spanId });
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': system.env.KAFKA_TOPIC,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.kafka.message.key': `account-${accountId}`,
      'messaging.destination.partition.id': expect.any(String),
      'messaging.kafka.offset': expect.any(Number),
    });

    // Query side: consume (child of the send span) -> apply; and the client's read.
    const process = one((s) => s.kind === SpanKinds.consumer, 'consumer span');
    expect(process).toMatchObject({ service: 'tally-query-service', parentSpanId: send.spanId });
    expect(process.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': system.env.KAFKA_TOPIC,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': system.env.KAFKA_GROUP_ID,
      'messaging.destination.partition.id': send.attributes['messaging.destination.partition.id'],
      'messaging.kafka.offset': send.attributes['messaging.kafka.offset'],
    });
    const apply = one((s) => s.name.startsWith('apply '), 'apply span');
    expect(apply).toMatchObject({ service: 'tally-query-service', parentSpanId: process.spanId });
    expect(apply.attributes).toMatchObject({ 'tally.applied': true, 'tally.stream.version': 2 });
    const reads = spans.filter((s) => s.name === 'GET /accounts/:id');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((s) => s.service === 'tally-query-service' && s.parentSpanId === readSpan)).toBe(true);

    // The message itself, read by an independent client at the offset the send span names, carries
    // the trace: W3C traceparent with the client's trace id and the send span as its parent.
    const message = await readMessage(
      system.env.KAFKA_TOPIC,
      Number(send.attributes['messaging.destination.partition.id']),
      String(send.attributes['messaging.kafka.offset']),
    );
    expect(message.key?.toString()).toBe(`account-${accountId}`);
    expect(message.headers?.['event-type']?.toString()).toBe('tally.account.money-deposited');
    expect(message.headers?.['correlation-id']?.toString()).toBe(`trace-test-${traceId}`);
    expect(message.headers?.traceparent?.toString()).toBe(`00-${traceId}-${send.spanId}-01`);
  });

  it('starts a new trace for a request without traceparent', async () => {
    const opened = await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, alice);
    expect(opened.status).toBe(201);
    const correlation = opened.headers.get('x-correlation-id');
    const server = await eventually(() => {
      const found = receiver.spans.find(
        (s) => s.name === 'POST /accounts' && s.attributes['tally.correlation_id'] === correlation,
      );
      expect(found).toBeDefined();
      return found as ReceivedSpan;
    }, 60_000);
    expect(server.parentSpanId).toBe('');
    expect(receiver.trace(server.traceId).map((s) => s.name)).toEqual(
      expect.arrayContaining(['OpenAccount', 'append']),
    );
  });
});
