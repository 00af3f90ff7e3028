import type { KnownEvent } from './known-events';
import { dataProblems, invalidEnvelopeFields } from './schemas/event-validation';
import type { EventEnvelope } from './event-envelope';
import { upcast } from './upcasters';

/** Raised for a message that is not a valid event: the consumer dead-letters it instead of retrying. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

export type { KnownEvent } from './known-events';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Serialises an envelope for the topic; fields of richer objects (store positions) stay behind. */
export const encodeEvent = (event: EventEnvelope): string => {
  const { eventId, type, schemaVersion, streamId, streamVersion, occurredAt, data, metadata } = event;
  return JSON.stringify({
    eventId,
    type,
    schemaVersion,
    streamId,
    streamVersion,
    occurredAt,
    data,
    metadata,
  });
};

/**
 * Parses and validates a message from the topic against the published schemas (eventDataSchemas, at
 * the schema version it was written with), then upcasts it to the latest version so that projections
 * only ever see the current shape. Throws InvalidEventError on anything malformed, of an unknown type
 * or of a schema version this build does not know (a newer writer's: re-drive it after upgrading).
 */
export function decodeEvent(raw: string | Buffer | null): EventEnvelope<KnownEvent['type']> {
  if (raw === null) throw new InvalidEventError('message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString());
  } catch (error) {
    throw new InvalidEventError(`message is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new InvalidEventError('envelope is not an object');
  const invalid = invalidEnvelopeFields(parsed);
  if (invalid.length > 0) throw new InvalidEventError(`envelope has invalid ${invalid.join(', ')}`);
  const written = parsed as unknown as EventEnvelope;
  const problems = dataProblems(written.type, written.schemaVersion, written.data);
  if (problems.length > 0) throw new InvalidEventError(`${written.type}: ${problems.join('; ')}`);
  return upcast(written) as EventEnvelope<KnownEvent['type']>;
}
