import { SpanKind } from '@opentelemetry/api';
import type { EventEnvelope } from '@tally/contracts';
import { inMemoryTracing, type InMemoryTracing } from '@tally/tracing/testing';
import type { Message } from 'kafkajs';
import { SendSpans, recordingPartitions } from './send-spans';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const event = (streamId: string, version: number, traced: boolean): EventEnvelope => ({
  eventId: `${streamId}-${version}`,
  type: 'tally.account.money-deposited',
  schemaVersion: 2,
  streamId,
  streamVersion: version,
  occurredAt: '2026-11-30T00:00:00.000Z',
  data: {},
  metadata: {
    correlationId: 'c',
    causationId: 'c',
    ...(traced ? { traceparent: `00-${traceId}-00f067aa0ba902b${version}-01` } : {}),
  },
});
const messageOf = (e: EventEnvelope): Message => ({ key: e.streamId, value: '{}', headers: {} });

describe('SendSpans', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => (tracing = await inMemoryTracing()));
  afterAll(() => tracing.shutdown());
  beforeEach(() => tracing.exporter.reset());

  it('gives each traced event a producer span with its partition and offset, and its traceparent header', () => {
    // Partitions as kafkajs' partitioner would choose them: a -> 0, b -> 1.
    const events = [event('a', 1, true), event('b', 1, false), event('a', 2, false), event('b', 2, true)];
    const messages = events.map(messageOf);
    const partitions = new WeakMap<Message, number>();
    const spans = SendSpans.start('tally.events', events, messages, partitions)!;
    expect(spans).toBeDefined();
    const partitioner = recordingPartitions(
      () =>
        ({ message }) =>
          message.key === 'a' ? 0 : 1,
      partitions,
    )();
    for (const message of messages) partitioner({ topic: 'tally.events', partitionMetadata: [], message });
    spans.acknowledged([
      { topicName: 'tally.events', partition: 0, errorCode: 0, baseOffset: '10' },
      { topicName: 'tally.events', partition: 1, errorCode: 0, baseOffset: '20' },
    ]);

    const finished = tracing.exporter.getFinishedSpans();
    expect(finished).toHaveLength(2);
    const [a1, b2] = finished;
    expect(a1.kind).toBe(SpanKind.PRODUCER);
    expect(a1.name).toBe('send tally.events');
    expect(a1.spanContext().traceId).toBe(traceId);
    expect(a1.parentSpanContext?.spanId).toBe('00f067aa0ba902b1');
    expect(a1.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'tally.events',
      'messaging.operation.type': 'send',
      'messaging.kafka.message.key': 'a',
      'messaging.message.id': 'a-1',
      'messaging.destination.partition.id': '0',
      'messaging.kafka.offset': 10,
    });
    // b's second event is the second message on partition 1: base offset + 1.
    expect(b2.attributes).toMatchObject({
      'messaging.destination.partition.id': '1',
      'messaging.kafka.offset': 21,
    });
    expect(messages[0].headers?.traceparent).toBe(`00-${traceId}-${a1.spanContext().spanId}-01`);
    expect(messages[3].headers?.traceparent).toBe(`00-${traceId}-${b2.spanContext().spanId}-01`);
    expect(messages[1].headers?.traceparent).toBeUndefined();
  });

  it('makes nothing for a send without traced events', () => {
    const events = [event('a', 1, false)];
    expect(SendSpans.start('tally.events', events, events.map(messageOf), new WeakMap())).toBeUndefined();
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('ends the spans as failed when the send fails', () => {
    const events = [event('a', 1, true)];
    SendSpans.start('tally.events', events, events.map(messageOf), new WeakMap())!.failed(
      new Error('broker gone'),
    );
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span.status).toMatchObject({ code: 2, message: 'broker gone' });
  });
});
