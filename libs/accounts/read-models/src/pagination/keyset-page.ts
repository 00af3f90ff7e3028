import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from './keyset-cursor';

/** The order of a paginated list: immutable columns only, the last one unique (the tie-breaker). */
export interface KeysetOrder<Row> {
  columns: readonly (keyof Row & string)[];
  descending: boolean;
}

export interface KeysetRequest {
  limit: number;
  cursor?: string;
  /** The query (sort and filters) a cursor is bound to: a cursor issued for another one is a 400. */
  fingerprint: string;
}

export interface KeysetPage<Row> {
  rows: Row[];
  /** Where the next page starts, or null on the last page. */
  nextCursor: string | null;
}

/** A cursor holds JSON: dates travel as ISO strings, which PostgreSQL compares as timestamps again. */
const keyPart = (value: unknown): string | number =>
  value instanceof Date ? value.toISOString() : (value as string | number);

/**
 * One page of `builder` (filtered by the caller) in `order`, strictly after the cursor's key. It
 * reads one row more than the page to learn whether another page follows, and issues the cursor
 * from the last row served.
 */
export async function keysetPage<Row extends ObjectLiteral>(
  builder: SelectQueryBuilder<Row>,
  order: KeysetOrder<Row>,
  request: KeysetRequest,
): Promise<KeysetPage<Row>> {
  const columns = order.columns.map((column) => `${builder.alias}.${column}`);
  if (request.cursor) {
    const key = decodeCursor(request.cursor, request.fingerprint, columns.length);
    const names = key.map((_, i) => `:keyset${i}`);
    const params = Object.fromEntries(key.map((value, i) => [`keyset${i}`, value]));
    // Row comparison: strictly after the last row served, in the order's direction.
    builder.andWhere(`(${columns.join(', ')}) ${order.descending ? '<' : '>'} (${names.join(', ')})`, params);
  }
  for (const column of columns) builder.addOrderBy(column, order.descending ? 'DESC' : 'ASC');
  const rows = await builder.limit(request.limit + 1).getMany();
  const page = rows.slice(0, request.limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > request.limit && last
      ? encodeCursor({
          query: request.fingerprint,
          key: order.columns.map((column) => keyPart(last[column])),
        })
      : null;
  return { rows: page, nextCursor };
}
