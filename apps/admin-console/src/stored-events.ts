import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import type { StoredEventView } from './api/console-api';

/** The columns of `events` the console shows. */
export const EVENT_COLUMNS = `global_position::text AS global_position, stream_id, stream_version, event_id, event_type,
  schema_version, data, metadata, occurred_at, recorded_at`;

export interface EventRow {
  global_position: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: StoredEventView['metadata'];
  occurred_at: Date;
  recorded_at: Date;
}

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
  metadata: row.metadata,
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
