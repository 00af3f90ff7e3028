import { SpanKind, propagation, trace, ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import type { EventEnvelope } from '@tally/contracts';
import {
  KAFKA,
  MessagingAttributes as M,
  endSpan,
  isTraced,
  kafkaHeaderGetter,
  tallyTracer,
  type KafkaHeaders,
} from '@tally/tracing';
import type { KafkaMessage } from 'kafkajs';

interface Traced {
  process: Span;
  apply: Span;
}

/**
 * The spans of one applied chunk, for each message that arrived with a W3C `traceparent` header:
 * `process tally.events` (CONSUMER, OpenTelemetry's messaging conventions for Kafka), a child of the
 * relay's `send` span, and under it `apply <projector>`, the read-database transaction that applied
 * the chunk (one transaction applies many messages, so each message's apply span covers it whole).
 * Messages without a trace context, and all of them when tracing is off, get none.
 */
export class ProcessSpans {
  private constructor(private readonly traced: Map<string, Traced>) {}

  static start(
    topic: string,
    groupId: string,
    projector: string,
    slices: { partition: number; messages: KafkaMessage[] }[],
  ): ProcessSpans | undefined {
    let traced: Map<string, Traced> | undefined;
    for (const { partition, messages } of slices)
      for (const message of messages) {
        if (message.headers?.traceparent === undefined) continue;
        const parent = propagation.extract(ROOT_CONTEXT, message.headers as KafkaHeaders, kafkaHeaderGetter);
        if (!isTraced(parent)) continue;
        const tracer = tallyTracer();
        const process = tracer.startSpan(
          `process ${topic}`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              [M.system]: KAFKA,
              [M.destinationName]: topic,
              [M.operationType]: 'process',
              [M.operationName]: 'process',
              [M.consumerGroup]: groupId,
              [M.partitionId]: String(partition),
              [M.offset]: Number(message.offset),
              ...(message.key ? { [M.messageKey]: message.key.toString() } : {}),
            },
          },
          parent,
        );
        const apply = tracer.startSpan(
          `apply ${projector}`,
          { attributes: { 'tally.projector': projector } },
          trace.setSpan(parent, process),
        );
        // Keyed by topic position: decoding (and dead-lettering) comes after this.
        (traced ??= new Map()).set(`${partition}:${message.offset}`, { process, apply });
      }
    return traced && new ProcessSpans(traced);
  }

  /** A message that could not be decoded: dead-lettered, not applied. */
  deadLettered(partition: number, offset: string, error: Error): void {
    const entry = this.take(partition, offset);
    if (!entry) return;
    entry.apply.end();
    endSpan(entry.process, error);
  }

  /** The chunk's transaction committed: `fresh` were applied, the others were duplicates or parked. */
  committed(
    positions: Map<EventEnvelope, { partition: number; offset: string }>,
    fresh: EventEnvelope[],
  ): void {
    const applied = new Set(fresh.map((event) => event.eventId));
    for (const [event, { partition, offset }] of positions) {
      const entry = this.take(partition, offset);
      if (!entry) continue;
      entry.apply.setAttributes({
        'tally.stream.id': event.streamId,
        'tally.stream.version': event.streamVersion,
        'tally.event.type': event.type,
        'tally.applied': applied.has(event.eventId),
      });
      entry.apply.end();
      entry.process.end();
    }
  }

  /** The chunk failed (it will be fetched again): what is still open ends as failed. */
  failed(error: unknown): void {
    for (const { process, apply } of this.traced.values()) {
      endSpan(apply, error);
      endSpan(process, error);
    }
    this.traced.clear();
  }

  private take(partition: number, offset: string): Traced | undefined {
    const key = `${partition}:${offset}`;
    const entry = this.traced.get(key);
    this.traced.delete(key);
    return entry;
  }
}
