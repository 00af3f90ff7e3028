/**
 * The wire form of every event, on the topic and in the audit API. It is a public contract:
 * fields are only ever added, never renamed or removed.
 */
export interface EventMetadata {
  correlationId: string;
  causationId: string;
  actor?: string;
  /**
   * The W3C trace context of the command that caused the event, when it was traced: events are
   * published later (by the relay's leader), and their Kafka "send" span continues this trace.
   */
  traceparent?: string;
  tracestate?: string;
}

export interface EventEnvelope<Type extends string = string, Data = unknown> {
  eventId: string;
  type: Type;
  schemaVersion: number;
  streamId: string;
  streamVersion: number;
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
}

/** The part of an event that a decider produces; the pipeline wraps it in an envelope. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}
