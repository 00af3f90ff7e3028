import { eventDataSchemas, type EventDataVersion } from '../schemas/event-data-schemas';
import { eventEnvelopeSchema } from '../schemas/event-envelope-schema';
import type { JsonSchema } from '../schemas/json-schema';

/**
 * The AsyncAPI 3 document of the event topic and its dead-letter topic, built from the schemas the
 * decoder validates with (eventDataSchemas), so that the published contract and what the read side
 * accepts cannot drift. `npm run asyncapi` writes it to asyncapi/tally-events.yaml; a unit test fails
 * when the committed file differs and validates it with the AsyncAPI project's parser.
 */

/** `tally.account.money-deposited` v2 → `tally.account.money-deposited.v2`, the message's component key. */
export const messageIdOf = (type: string, schemaVersion: number): string => `${type}.v${schemaVersion}`;

const KAFKA_BINDING = '0.5.0';

const header = (description: string, example?: string): JsonSchema => ({
  type: 'string',
  description,
  ...(example ? { examples: [example] } : {}),
});

/** The headers the relay sets on every event (values are UTF-8 strings). */
const eventHeaderFields = {
  'event-id': header('The envelope’s eventId.', '6f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10'),
  'event-type': header('The envelope’s type: route on it without parsing the value.'),
  'schema-version': header('The envelope’s schemaVersion, in decimal.', '1'),
  'correlation-id': header('metadata.correlationId: the request that caused the event.'),
  'causation-id': header('metadata.causationId: what directly caused it.'),
  traceparent: header(
    'W3C trace context of the relay’s `send` span; present only when the command was traced.',
  ),
  tracestate: header('W3C trace state, with traceparent.'),
  'dlq-redriven-from': header(
    'Present on an event an operator re-drove from the dead-letter topic: `<dead-letter topic>/<partition>:<offset>`.',
  ),
};

const eventHeaders: JsonSchema = {
  type: 'object',
  properties: eventHeaderFields,
  required: ['event-id', 'event-type', 'schema-version', 'correlation-id', 'causation-id'],
  additionalProperties: true,
};

const deadLetterHeaders: JsonSchema = {
  type: 'object',
  description: 'The original message’s headers, plus where it came from and why it was refused.',
  properties: {
    ...eventHeaderFields,
    'dlq-original-topic': header('The topic the message was read from.', 'tally.events'),
    'dlq-original-partition': header('Its partition there, in decimal.', '3'),
    'dlq-original-offset': header('Its offset there, in decimal.', '1041'),
    'dlq-error': header(
      'Why the consumer refused it (at most 1,000 characters).',
      'tally.account.money-deposited: amount must be a positive safe integer',
    ),
    'dlq-failed-at': header('When it was refused (RFC 3339, UTC).', '2026-11-28T08:00:01.250Z'),
  },
  required: [
    'dlq-original-topic',
    'dlq-original-partition',
    'dlq-original-offset',
    'dlq-error',
    'dlq-failed-at',
  ],
  additionalProperties: true,
};

const streamKey: JsonSchema = {
  type: 'string',
  description:
    'The stream id (`account-<accountId>`, `transfer-<transferId>`). Partitioned by Kafka’s default ' +
    '(Java-compatible murmur2) partitioner on this key, so one stream’s events are in one partition, in ' +
    'streamVersion order.',
  examples: ['account-3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10'],
};

const exampleEnvelope = (type: string, schemaVersion: number, version: EventDataVersion) => {
  const transfer = type.startsWith('tally.transfer.');
  const streamId = transfer
    ? 'transfer-9b1d6a52-5d0e-4f7a-8f0c-2a6c1e4d3b21'
    : 'account-3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10';
  return {
    headers: {
      'event-id': '6f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10',
      'event-type': type,
      'schema-version': String(schemaVersion),
      'correlation-id': 'c0ffee00-1234-4abc-8def-0123456789ab',
      'causation-id': 'c0ffee00-1234-4abc-8def-0123456789ab',
    },
    payload: {
      eventId: '6f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10',
      type,
      schemaVersion,
      streamId,
      streamVersion: 2,
      occurredAt: '2026-11-28T08:00:00.000Z',
      data: version.example,
      metadata: {
        correlationId: 'c0ffee00-1234-4abc-8def-0123456789ab',
        causationId: 'c0ffee00-1234-4abc-8def-0123456789ab',
        actor: 'alice',
      },
    },
  };
};

const eventMessages = () =>
  Object.fromEntries(
    Object.entries(eventDataSchemas).flatMap(([type, versions]) =>
      Object.entries(versions).map(([v, version]) => {
        const schemaVersion = Number(v);
        const latest = Math.max(...Object.keys(versions).map(Number));
        return [
          messageIdOf(type, schemaVersion),
          {
            name: type,
            title: `${type} v${schemaVersion}`,
            summary: version.schema.description,
            ...(schemaVersion < latest
              ? {
                  description: `Written by older releases (and still in the topic): readers upcast it to v${latest}.`,
                }
              : {}),
            contentType: 'application/json',
            headers: eventHeaders,
            payload: eventEnvelopeSchema(version.schema, type, schemaVersion),
            correlationId: { $ref: '#/components/correlationIds/correlationId' },
            bindings: { kafka: { key: streamKey, bindingVersion: KAFKA_BINDING } },
            examples: [
              { name: `${type}.v${schemaVersion}`, ...exampleEnvelope(type, schemaVersion, version) },
            ],
          },
        ];
      }),
    ),
  );

export interface TallyEventsDocumentOptions {
  /** The release the document describes (package.json's version). */
  version: string;
  /** The event topic's name; the dead-letter topic is `<topic>.dead-letter`. */
  topic?: string;
}

export function tallyEventsAsyncApi({ version, topic = 'tally.events' }: TallyEventsDocumentOptions) {
  const messages = eventMessages();
  const refs = (ids: string[]) =>
    Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }]));
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Tally events',
      version,
      description: [
        'Every event Tally’s event store commits, published by the command service’s relay in commit order',
        'per stream, at least once (deduplicate on `eventId`; apply per stream in `streamVersion` order).',
        'Money is an integer number of minor units of the account’s currency, never a float.\n\n',
        'Evolution: a published schema version never changes except to gain optional fields; any other',
        'change is a new schema version of the type, announced here before it is written, and Tally’s own',
        'readers upcast older versions. Consumers must ignore fields and headers they do not know, and',
        'must treat a type or schema version they do not know as something to skip or park, not to crash on',
        '(see docs/event-contract.md in the repository).',
      ]
        .join(' ')
        .replace('\n\n ', '\n\n'),
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'The broker `npm start` runs (PLAINTEXT, no authentication).',
      },
      production: {
        host: '{bootstrap}',
        protocol: 'kafka-secure',
        description:
          'A production cluster: TLS (KAFKA_SSL=true) with SASL/SCRAM (KAFKA_SASL_MECHANISM SCRAM-SHA-256 or -512); one ACL-limited user per application.',
        variables: {
          bootstrap: { default: 'kafka.example.internal:9093', description: 'A bootstrap broker.' },
        },
        security: [
          { $ref: '#/components/securitySchemes/scramSha512' },
          { $ref: '#/components/securitySchemes/scramSha256' },
        ],
      },
    },
    channels: {
      events: {
        address: topic,
        title: 'Events',
        description:
          'Kept for ever (retention.ms=-1, cleanup.policy=delete): a new consumer may read from the beginning.',
        messages: refs(Object.keys(messages)),
        bindings: {
          kafka: {
            partitions: 12,
            topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': -1, 'retention.bytes': -1 },
            bindingVersion: KAFKA_BINDING,
          },
        },
      },
      deadLetters: {
        address: `${topic}.dead-letter`,
        title: 'Dead letters',
        description:
          'Messages of the event topic that Tally’s read side refused (not JSON, not a valid event, of an unknown type or schema version), kept 30 days by default for operators to inspect and re-drive.',
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
        bindings: {
          kafka: {
            topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': 30 * 24 * 3600 * 1000 },
            bindingVersion: KAFKA_BINDING,
          },
        },
      },
    },
    operations: {
      publishEvents: {
        action: 'send',
        channel: { $ref: '#/channels/events' },
        title: 'The relay publishes committed events',
        messages: Object.keys(messages).map((id) => ({ $ref: `#/channels/events/messages/${id}` })),
      },
      deadLetterEvents: {
        action: 'send',
        channel: { $ref: '#/channels/deadLetters' },
        title: 'The read side parks a message it cannot apply',
        messages: [{ $ref: '#/channels/deadLetters/messages/deadLetter' }],
      },
    },
    components: {
      messages: {
        ...messages,
        deadLetter: {
          name: 'dead-letter',
          title: 'Dead letter',
          summary: 'A refused message, its key and value byte for byte as they were.',
          contentType: 'application/octet-stream',
          headers: deadLetterHeaders,
          payload: {
            description:
              'The original value, unchanged: usually an event envelope, but it may be anything (that is why it is here).',
          },
          bindings: {
            kafka: { key: { ...streamKey, description: 'The original key.' }, bindingVersion: KAFKA_BINDING },
          },
        },
      },
      correlationIds: {
        correlationId: {
          description: 'The request that caused the event, shared by all the events it caused.',
          location: '$message.header#/correlation-id',
        },
      },
      securitySchemes: {
        scramSha512: { type: 'scramSha512', description: 'SASL/SCRAM-SHA-512 over TLS.' },
        scramSha256: { type: 'scramSha256', description: 'SASL/SCRAM-SHA-256 over TLS.' },
      },
    },
  };
}
