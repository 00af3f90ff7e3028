import type { EventEnvelope } from '@tally/contracts';
import type { QueryResult, QueryResultRow } from 'pg';

/** Where an event stands in the store's global order: (writer transaction, position). */
export interface StorePosition {
  transactionId: string;
  globalPosition: string;
}

/** Before the first event: reading after it reads the whole store. */
export const START_OF_STORE: StorePosition = { transactionId: '0', globalPosition: '0' };

/** An event as stored: its envelope (upcast to the latest schema version) and its place in the store. */
export interface RecordedEvent extends EventEnvelope {
  position: StorePosition;
  recordedAt: string;
}

/** A pool or one checked-out connection: reads work the same inside or outside a transaction. */
export interface Queryable {
  query<Row extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<Row>>;
}
