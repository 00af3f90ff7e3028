import { eventColumns, toRecordedEvent, type EventRow } from '@tally/event-log';
import type { EventEnvelope } from '@tally/contracts';
import type { DeadLetterRecord } from '@tally/messaging';
import type { Queryable } from './dead-letter-marks';

/** Re-drive refused: the letter is no copy of a stored event (inspect it, then mark it handled). */
export class NotAStoredEventError extends Error {
  override readonly name = 'NotAStoredEventError';

  constructor(
    readonly id: string,
    readonly reason: string,
  ) {
    super(`dead letter ${id} is not a stored event (${reason}); it can be marked handled, not re-driven`);
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const parsed = (value: string | null): Record<string, unknown> | undefined => {
  try {
    const object: unknown = JSON.parse(value ?? '');
    return typeof object === 'object' && object !== null && !Array.isArray(object)
      ? (object as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The event in the store (`events`) that a dead letter is a copy of: found by the event id in its
 * value, else by its stream (the value's `streamId`, else the letter's key) and version. Whatever the
 * letter's value says beside that (its data, a "corrected" amount) is never used: a re-drive
 * publishes the stored row, as the relay did. Throws NotAStoredEventError when there is none.
 */
export async function storedEventOf(store: Queryable, letter: DeadLetterRecord): Promise<EventEnvelope> {
  const value = parsed(letter.value);
  if (!value) throw new NotAStoredEventError(letter.id, 'its value is not a JSON object');
  const { eventId, streamId = letter.key, streamVersion } = value;
  let rows: EventRow[] = [];
  if (typeof eventId === 'string' && uuid.test(eventId)) {
    ({ rows } = await store.query<EventRow>(`SELECT ${eventColumns} FROM events WHERE event_id = $1`, [
      eventId,
    ]));
  }
  if (rows.length === 0 && typeof streamId === 'string' && Number.isSafeInteger(streamVersion)) {
    ({ rows } = await store.query<EventRow>(
      `SELECT ${eventColumns} FROM events WHERE stream_id = $1 AND stream_version = $2`,
      [streamId, streamVersion],
    ));
  }
  if (rows.length === 0)
    throw new NotAStoredEventError(letter.id, 'no event in the store has its event id or stream and version');
  const { position: _position, recordedAt: _recordedAt, ...event } = toRecordedEvent(rows[0]);
  return event;
}
