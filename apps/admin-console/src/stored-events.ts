import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import type { EventRow } from '@tally/event-log';
import type { StoredEventView } from './api/console-api';

/** The columns and row of `events` as every reader of the store selects them (@tally/event-log). */
export { eventColumns as EVENT_COLUMNS, type EventRow } from '@tally/event-log';

export const eventView = (row: EventRow): StoredEventView => ({
  globalPosition: row.global_position,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  eventId: row.event_id,
  type: row.event_type,
  schemaVersion: row.schema_version,
  occurredAt: row.occurred_at.toISOString(),
  recordedAt: row.recorded_at.toISOString(),
  data: row.data,
  metadata: { ...row.metadata },
});

/**
 * The event as the read side sees it: the wire envelope, decoded (checked and upcast to its latest
 * schema version) by the same code the consumers use; undefined for one that would be dead-lettered.
 */
export function decodedEnvelope(row: EventRow): EventEnvelope | undefined {
  try {
    return decodeEvent(
      JSON.stringify({
        eventId: row.event_id,
        type: row.event_type,
        schemaVersion: row.schema_version,
        streamId: row.stream_id,
        streamVersion: row.stream_version,
        occurredAt: row.occurred_at.toISOString(),
        data: row.data,
        metadata: row.metadata,
      }),
    );
  } catch {
    return undefined;
  }
}

/** An error's message for a view (a replica set's database that did not answer). */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
