import type { EventEnvelope } from '@tally/contracts';
import type { Projection } from '../projection';

/** One column value of a row written with COPY (text format); `null` is SQL NULL. */
export type CopyValue = string | number | boolean | Date | null;

/** The rows of one table, in the column order the sink was opened with. */
export interface RowSink {
  write(row: readonly CopyValue[]): void;
}

/** Where a bulk load writes: the rebuild's private shadow tables. */
export interface BulkTarget {
  table(name: string, columns: readonly string[]): RowSink;
}

/**
 * A projection's rebuild-only write path. During a rebuild its tables are private (a shadow schema
 * no one else writes) and start empty, so instead of reading back and upserting its rows batch by
 * batch, a projection can fold the events in memory and write every row exactly once, streamed
 * with COPY. The result must equal what `apply` would have produced for the same events.
 */
export interface BulkLoad {
  /** Same contract as Projection.apply: only fresh events, each stream in version order. */
  add(events: EventEnvelope[]): void;
  /** After the last event: writes the rows still held in memory. */
  finish(): void;
}

/** A projection that also offers the bulk path; a rebuild uses it when every projection does. */
export interface BulkLoadable extends Projection {
  bulkLoad(target: BulkTarget): BulkLoad;
}

export const canBulkLoad = (projection: Projection): projection is BulkLoadable =>
  typeof (projection as Partial<BulkLoadable>).bulkLoad === 'function';
