import type { JsonSchema } from './json-schema';

/**
 * The envelope every message on the topic carries, whatever its type (see EventEnvelope). `type` and
 * `schemaVersion` choose the schema of `data` (event-data-schemas.ts).
 */
export const eventEnvelopeSchema = (data: JsonSchema, type?: string, schemaVersion?: number): JsonSchema => ({
  type: 'object',
  description: 'An event, as the relay publishes it from the event store (UTF-8 JSON).',
  properties: {
    eventId: {
      type: 'string',
      minLength: 1,
      description: 'Unique per event (a UUID): deduplicate on it, delivery is at least once.',
    },
    type: type
      ? { type: 'string', const: type, description: 'The event type.' }
      : { type: 'string', minLength: 1, description: 'The event type.' },
    schemaVersion: schemaVersion
      ? { type: 'integer', const: schemaVersion, description: 'The version of `data`’s schema.' }
      : {
          type: 'integer',
          minimum: 1,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'The version of `data`’s schema.',
        },
    streamId: {
      type: 'string',
      minLength: 1,
      description: '`account-<accountId>` or `transfer-<transferId>`; also the message key.',
    },
    streamVersion: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "The event's position in its stream, from 1 without gaps: apply in this order.",
    },
    occurredAt: {
      type: 'string',
      format: 'date-time',
      description: 'When the command that caused it was decided (RFC 3339, UTC).',
    },
    data: data,
    metadata: {
      type: 'object',
      description: 'Where the event came from.',
      properties: {
        correlationId: {
          type: 'string',
          description:
            'The request that started it all (its x-correlation-id); shared by every event it caused.',
        },
        causationId: { type: 'string', description: 'The command or event that directly caused this one.' },
        actor: { type: 'string', description: 'Who asked: the subject of the bearer token.' },
        traceparent: { type: 'string', description: 'W3C trace context of the command, when it was traced.' },
        tracestate: { type: 'string', description: 'W3C trace state that goes with traceparent.' },
      },
      required: ['correlationId'],
      additionalProperties: true,
    },
  },
  required: [
    'eventId',
    'type',
    'schemaVersion',
    'streamId',
    'streamVersion',
    'occurredAt',
    'data',
    'metadata',
  ],
  additionalProperties: true,
});
