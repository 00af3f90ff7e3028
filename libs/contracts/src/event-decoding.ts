import { AccountEventType, type AccountEvent } from './account-events';
import { TransferEventType, type TransferEvent } from './transfer-events';
import type { EventEnvelope } from './event-envelope';
import { upcast } from './upcasters';

/** Raised for a message that is not a valid event: the consumer dead-letters it instead of retrying. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

type Check = (data: Record<string, unknown>) => string | undefined;

const positiveSafeInteger =
  (field: string): Check =>
  (data) =>
    Number.isSafeInteger(data[field]) && (data[field] as number) > 0
      ? undefined
      : `${field} must be a positive safe integer`;
const nonEmptyString =
  (field: string): Check =>
  (data) =>
    typeof data[field] === 'string' && (data[field] as string).length > 0
      ? undefined
      : `${field} must be a non-empty string`;

const nonZeroSafeInteger =
  (field: string): Check =>
  (data) =>
    Number.isSafeInteger(data[field]) && data[field] !== 0
      ? undefined
      : `${field} must be a non-zero safe integer`;

const isBoolean =
  (field: string): Check =>
  (data) =>
    typeof data[field] === 'boolean' ? undefined : `${field} must be a boolean`;

export type KnownEvent = AccountEvent | TransferEvent;

/** Every event type this system knows, and what its data must look like at its latest version. */
const dataChecks: Record<KnownEvent['type'], Check[]> = {
  [AccountEventType.Opened]: [
    nonEmptyString('accountId'),
    nonEmptyString('ownerId'),
    nonEmptyString('currency'),
  ],
  [AccountEventType.MoneyDeposited]: [positiveSafeInteger('amount'), nonEmptyString('source')],
  [AccountEventType.MoneyWithdrawn]: [positiveSafeInteger('amount')],
  [AccountEventType.Closed]: [],
  [AccountEventType.TransferDebited]: [
    nonEmptyString('transferId'),
    positiveSafeInteger('amount'),
    nonEmptyString('toAccountId'),
  ],
  [AccountEventType.TransferCredited]: [
    nonEmptyString('transferId'),
    positiveSafeInteger('amount'),
    nonEmptyString('fromAccountId'),
  ],
  [AccountEventType.TransferRefunded]: [nonEmptyString('transferId'), positiveSafeInteger('amount')],
  [AccountEventType.BalanceAdjusted]: [nonZeroSafeInteger('amount'), nonEmptyString('reason')],
  [TransferEventType.Requested]: [
    nonEmptyString('transferId'),
    nonEmptyString('fromAccountId'),
    nonEmptyString('toAccountId'),
    positiveSafeInteger('amount'),
    nonEmptyString('currency'),
  ],
  [TransferEventType.SourceDebited]: [],
  [TransferEventType.Completed]: [],
  [TransferEventType.Failed]: [nonEmptyString('reason'), isBoolean('refunded')],
};

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
 * Parses and validates a message from the topic, upcasting it to the latest schema version so that
 * projections only ever see the current shape. Throws InvalidEventError on anything malformed.
 */
export function decodeEvent(raw: string | Buffer | null): EventEnvelope<KnownEvent['type']> {
  if (raw === null) throw new InvalidEventError('message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString());
  } catch (error) {
    throw new InvalidEventError(`message is not JSON: ${(error as Error).message}`);
  }
  const event = upcast(checkEnvelope(parsed));
  const checks = dataChecks[event.type as KnownEvent['type']];
  if (!checks) throw new InvalidEventError(`unknown event type ${event.type}`);
  const problems = checks.map((check) => check(event.data as Record<string, unknown>)).filter(Boolean);
  if (problems.length > 0) throw new InvalidEventError(`${event.type}: ${problems.join('; ')}`);
  return event as EventEnvelope<KnownEvent['type']>;
}

function checkEnvelope(value: unknown): EventEnvelope {
  if (!isRecord(value)) throw new InvalidEventError('envelope is not an object');
  const { eventId, type, schemaVersion, streamId, streamVersion, occurredAt, data, metadata } = value;
  const problems = [
    typeof eventId === 'string' || 'eventId',
    typeof type === 'string' || 'type',
    (Number.isSafeInteger(schemaVersion) && (schemaVersion as number) >= 1) || 'schemaVersion',
    typeof streamId === 'string' || 'streamId',
    (Number.isSafeInteger(streamVersion) && (streamVersion as number) >= 1) || 'streamVersion',
    (typeof occurredAt === 'string' && !Number.isNaN(Date.parse(occurredAt))) || 'occurredAt',
    isRecord(data) || 'data',
    (isRecord(metadata) && typeof metadata.correlationId === 'string') || 'metadata',
  ].filter((ok): ok is string => ok !== true);
  if (problems.length > 0) throw new InvalidEventError(`envelope has invalid ${problems.join(', ')}`);
  return value as unknown as EventEnvelope;
}
