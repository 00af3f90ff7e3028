import { SpanKind, propagation, trace, type Span } from '@opentelemetry/api';
import type { EventEnvelope } from '@tally/contracts';
import {
  KAFKA,
  MessagingAttributes as M,
  contextOfFields,
  endSpan,
  isTraced,
  kafkaHeaderSetter,
  tallyTracer,
  type KafkaHeaders,
} from '@tally/tracing';
import type { ICustomPartitioner, Message, RecordMetadata } from 'kafkajs';

/**
 * Wraps a partitioner so that it remembers the partition it chose for each message (kafkajs hands the
 * partitioner the caller's own message objects): the publisher checks that every partition written to
 * was acknowledged (see unacknowledgedPartitions), and with the broker's base offset per partition
 * this gives each traced message's offset for its span.
 */
export const recordingPartitions =
  (create: ICustomPartitioner, partitions: WeakMap<Message, number>): ICustomPartitioner =>
  () => {
    const partitioner = create();
    return (args) => {
      const partition = partitioner(args);
      partitions.set(args.message, partition);
      return partition;
    };
  };

/**
 * The PRODUCER spans of one send (`send tally.events`, OpenTelemetry's messaging conventions for
 * Kafka): one per event whose metadata carries a trace context, i.e. whose command was traced, as a
 * child of that command's span; the W3C `traceparent`/`tracestate` of the span goes into the
 * message's headers for the consumer. Untraced events (and every event when tracing is off) get none.
 */
export class SendSpans {
  private constructor(
    private readonly topic: string,
    private readonly messages: Message[],
    private readonly spans: Map<Message, Span>,
    private readonly partitions: WeakMap<Message, number>,
  ) {}

  static start(
    topic: string,
    events: EventEnvelope[],
    messages: Message[],
    partitions: WeakMap<Message, number>,
  ): SendSpans | undefined {
    let spans: Map<Message, Span> | undefined;
    events.forEach((event, index) => {
      if (event.metadata.traceparent === undefined) return;
      const parent = contextOfFields(event.metadata);
      if (!isTraced(parent)) return;
      const message = messages[index];
      const span = tallyTracer().startSpan(
        `send ${topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [M.system]: KAFKA,
            [M.destinationName]: topic,
            [M.operationType]: 'send',
            [M.operationName]: 'send',
            [M.messageKey]: event.streamId,
            [M.messageId]: event.eventId,
            'tally.event.type': event.type,
            'tally.correlation_id': event.metadata.correlationId,
          },
        },
        parent,
      );
      propagation.inject(trace.setSpan(parent, span), message.headers as KafkaHeaders, kafkaHeaderSetter);
      (spans ??= new Map()).set(message, span);
    });
    if (!spans) return undefined;
    return new SendSpans(topic, messages, spans, partitions);
  }

  /** The broker has every message: each span gets its partition and offset, and ends. */
  acknowledged(records: RecordMetadata[]): void {
    const next = new Map<number, bigint>();
    for (const record of records)
      if (record.topicName === this.topic && record.baseOffset !== undefined)
        next.set(record.partition, BigInt(record.baseOffset));
    for (const message of this.messages) {
      const partition = this.partitions.get(message);
      if (partition === undefined) continue;
      const offset = next.get(partition);
      if (offset !== undefined) next.set(partition, offset + 1n);
      const span = this.spans.get(message);
      if (!span) continue;
      span.setAttribute(M.partitionId, String(partition));
      if (offset !== undefined) span.setAttribute(M.offset, Number(offset));
      span.end();
    }
    for (const [message, span] of this.spans) if (this.partitions.get(message) === undefined) span.end();
  }

  failed(error: unknown): void {
    for (const span of this.spans.values()) endSpan(span, error);
  }
}
