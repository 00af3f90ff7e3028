import type { QueryResult, QueryResultRow } from 'pg';

/** A pool or one checked-out connection: the store works the same inside or outside a transaction. */
export interface Queryable {
  query<Row extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<Row>>;
}
