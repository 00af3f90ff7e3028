import type { ClientBase, Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

/**
 * COMMIT was answered ROLLBACK: a statement of the transaction failed and its error was swallowed
 * (PostgreSQL then aborts the transaction, and answers COMMIT with the command tag ROLLBACK rather
 * than an error). Nothing of the transaction is stored.
 */
export class TransactionRolledBackError extends Error {
  override readonly name = 'TransactionRolledBackError';
  constructor() {
    super('The transaction was rolled back by the server: COMMIT answered ROLLBACK');
  }
}

/**
 * The connection failed (or timed out) while COMMIT was on its way or its answer was: the server may
 * have committed or not. Only reading the database again (after the session is gone) can tell.
 */
export class CommitOutcomeUnknownError extends Error {
  override readonly name = 'CommitOutcomeUnknownError';
  constructor(
    override readonly cause: unknown,
    /** The server process of the lost session, if known: the one that may still be committing. */
    readonly backendPid?: number,
  ) {
    super(`The connection failed during COMMIT; whether it committed is unknown (${String(cause)})`);
  }
}

/** The server process id of a connection (pg keeps it after the start-up handshake). */
export const backendPidOf = (client: ClientBase): number | undefined =>
  (client as ClientBase & { processID?: number }).processID ?? undefined;

/**
 * Whether a failed statement certainly did not commit: the server answered it with an error of the
 * statement (a SQLSTATE), so its transaction is aborted. A lost connection, a client-side timeout or
 * the server going away (classes 08 and 57P, internal errors) leave it open whether it committed.
 */
export const certainlyFailed = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    !code.startsWith('08') &&
    !code.startsWith('57P') &&
    !code.startsWith('XX')
  );
};

/** A pool or a connection: all `endSession` needs. */
interface Sql {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** pg's client-side `query_timeout` ran out: the connection still waits for that statement's answer. */
const timedOut = (error: unknown): boolean => (error as Error | null)?.message === 'Query read timeout';

/** Connections that failed in a way that leaves them unusable: released to be discarded. */
const broken = new WeakSet<ClientBase>();

/**
 * The only way Tally opens a transaction on a connection it holds (a lint rule refuses BEGIN, COMMIT
 * and ROLLBACK elsewhere): BEGIN, `work`, then COMMIT whose answer is checked, or ROLLBACK if `work`
 * fails. Resolves only once the transaction committed; rejects with TransactionRolledBackError if the
 * server rolled it back, CommitOutcomeUnknownError if the connection failed during COMMIT, and
 * otherwise with `work`'s error (nothing committed). An error caught inside `work` leaves the
 * transaction aborted: catch only what ran under `savepoint`.
 */
export async function transaction<T>(
  client: ClientBase,
  work: () => Promise<T>,
  options: { begin?: string } = {},
): Promise<T> {
  await client.query(options.begin ?? 'BEGIN');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (timedOut(error)) {
      // The statement is still running for all the client knows: a ROLLBACK would queue behind it.
      // Without a COMMIT the server rolls back when the session ends (the connection is discarded).
      broken.add(client);
    } else await client.query('ROLLBACK').catch(() => broken.add(client));
    throw error;
  }
  let tag: string;
  try {
    tag = (await client.query('COMMIT')).command;
  } catch (error) {
    broken.add(client);
    throw certainlyFailed(error) ? error : new CommitOutcomeUnknownError(error, backendPidOf(client));
  }
  if (tag !== 'COMMIT') throw new TransactionRolledBackError();
  return result;
}

/**
 * Runs `work` under a savepoint of the open transaction on `client`: if it fails, only its own
 * statements are undone and the transaction stays usable, so its error may be caught and ignored.
 */
export async function savepoint<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('SAVEPOINT tally_savepoint');
  try {
    const result = await work();
    await client.query('RELEASE SAVEPOINT tally_savepoint');
    return result;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT tally_savepoint');
    throw error;
  }
}

/** Lends `work` a connection of `pool`; one that failed is discarded rather than returned. */
export async function withConnection<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  // pg-pool listens for errors only on idle clients: a connection lost while lent (PostgreSQL
  // crashed or restarted) would otherwise be an unhandled 'error' event that kills the process.
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.removeListener('error', onError);
    client.release(lost ?? (broken.has(client) ? new Error('connection failed') : undefined));
  }
}

/** `transaction` on a connection of its own from `pool`. */
export const inTransaction = <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> =>
  withConnection(pool, (client) => transaction(client, () => work(client)));

/**
 * One statement that commits by itself (no BEGIN), on a connection of its own. If the connection fails
 * or times out before its answer arrives, the statement may have committed: that failure is a
 * CommitOutcomeUnknownError naming the session, never a plain error a caller could take for "not
 * written".
 */
export const autocommit = <R extends QueryResultRow>(
  pool: Pool,
  sql: string,
  parameters: unknown[],
): Promise<QueryResult<R>> =>
  withConnection(pool, async (client) => {
    try {
      return await client.query<R>(sql, parameters);
    } catch (error) {
      if (certainlyFailed(error)) throw error;
      broken.add(client);
      throw new CommitOutcomeUnknownError(error, backendPidOf(client));
    }
  });

/**
 * Ends the server session `pid` (the session of a connection lost during a COMMIT, which may still be
 * committing, or whose statement a stalled network may still deliver), waiting up to `waitMs` for it
 * to exit. Resolves true once it is gone (or was): from then on its transaction has committed or
 * never will, and reading the database says which.
 */
export async function endSession(db: Sql, pid: number, waitMs = 1_000): Promise<boolean> {
  const { rows } = await db.query<{ ended: boolean }>(
    `SELECT coalesce((SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity
                      WHERE pid = $1 AND datname = current_database()), true) AS ended`,
    [pid, waitMs],
  );
  return rows[0].ended;
}
