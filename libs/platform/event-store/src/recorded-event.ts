import type { EventEnvelope, EventMetadata } from '@tally/contracts';

/** An event as the command pipeline hands it to the store. */
export interface NewEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
  occurredAt: Date;
}

/** Where an event stands in the store's publication order: (writer transaction, position). */
export interface StorePosition {
  transactionId: string;
  globalPosition: string;
}

export interface RecordedEvent extends EventEnvelope {
  position: StorePosition;
  recordedAt: string;
}

export const START_OF_STORE: StorePosition = { transactionId: '0', globalPosition: '0' };

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`Stream ${streamId} is at version ${actualVersion}, not the expected ${expectedVersion}`);
  }
}

/**
 * An append carried an event id that is already stored. Commands that must not apply twice (the steps
 * of a transfer) use deterministic event ids, so this means "already done", never "lost".
 */
export class DuplicateEventError extends Error {
  override readonly name = 'DuplicateEventError';
  constructor(
    readonly streamId: string,
    readonly eventIds: string[],
  ) {
    super(`An event with one of the ids ${eventIds.join(', ')} is already stored`);
  }
}
