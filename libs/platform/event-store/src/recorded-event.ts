import type { EventMetadata } from '@tally/contracts';

export { START_OF_STORE, type RecordedEvent, type StorePosition } from '@tally/event-log';

/** An event as the command pipeline hands it to the store. */
export interface NewEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
  occurredAt: Date;
}

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
