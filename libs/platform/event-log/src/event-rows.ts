import { upcast } from '@tally/contracts';
import type { RecordedEvent } from './logged-event';

/** The `events` columns every reader selects; ids as text (xid8 and bigint do not fit a JS number). */
export const eventColumns = `event_id, event_type, schema_version, stream_id, stream_version, data, metadata,
  occurred_at, recorded_at, transaction_id::text AS transaction_id, global_position::text AS global_position`;

export interface EventRow {
  event_id: string;
  event_type: string;
  schema_version: number;
  stream_id: string;
  stream_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  occurred_at: Date;
  recorded_at: Date;
  transaction_id: string;
  global_position: string;
}

/**
 * Deserialisation is where old schema versions are upcast (`@tally/contracts`), so every reader of
 * the store (the command pipeline, the relay, a replay) only sees the latest shape, as consumers of
 * the topic do. Stored rows are never rewritten.
 */
export const toRecordedEvent = (row: EventRow): RecordedEvent =>
  upcast({
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    occurredAt: row.occurred_at.toISOString(),
    data: row.data,
    metadata: row.metadata,
    position: { transactionId: row.transaction_id, globalPosition: row.global_position },
    recordedAt: row.recorded_at.toISOString(),
  });
