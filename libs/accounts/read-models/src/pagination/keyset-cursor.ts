import { ProblemException } from '@tally/http';

/**
 * Opaque cursors for keyset pagination. A cursor carries the sort key of the last row served and the
 * query it belongs to; the next page starts strictly after that key. Keys are immutable columns with
 * a unique tie-breaker, so rows inserted meanwhile never shift a page: every row that existed when
 * paging began is served exactly once, and new rows appear only if they sort after the cursor.
 */
export interface Cursor {
  /** The query (sort + filters) the cursor was issued for; reusing it with another is a 400. */
  query: string;
  key: (string | number)[];
}

export const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(JSON.stringify({ q: cursor.query, k: cursor.key })).toString('base64url');

export function decodeCursor(raw: string, query: string, arity: number): Cursor['key'] {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { q?: unknown; k?: unknown };
    const key = parsed.k;
    if (
      parsed.q === query &&
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => typeof part === 'string' || Number.isSafeInteger(part))
    )
      return key as Cursor['key'];
  } catch {
    // falls through to the same answer as any other bad cursor
  }
  throw new ProblemException(
    400,
    'invalid-cursor',
    'Invalid cursor',
    'cursor must be a nextCursor returned by this route, with the same filters and sort.',
  );
}
