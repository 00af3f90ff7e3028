import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient } from 'pg';
import type { Queryable } from './queryable';

/**
 * A PostgreSQL transaction that follows the async call chain. Code that writes asks `db` for where to
 * write: inside `run` that is the transaction's connection, so an idempotency key, the events it
 * caused and any bookkeeping row commit or vanish together; outside, it is the pool.
 * A nested `run` joins the transaction already open instead of starting a second one.
 */
export class TransactionScope {
  private readonly current = new AsyncLocalStorage<PoolClient>();

  /** `pool`: where everything outside a transaction runs (and what `run` takes connections from). */
  constructor(readonly pool: Pool) {}

  get db(): Queryable {
    return this.current.getStore() ?? this.pool;
  }

  /** Inside `run`: what is read may include this transaction's own writes, which may yet roll back. */
  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  async run<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const open = this.current.getStore();
    if (open) return work(open);
    return inTransaction(this.pool, (client) => this.current.run(client, () => work(client)));
  }
}

/** Runs `work` in a transaction on a connection of its own: committed if it resolves, else rolled back. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // pg-pool listens for errors only on idle clients: a connection lost mid-transaction (PostgreSQL
  // crashed or restarted) would otherwise be an unhandled 'error' event that kills the process.
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener('error', onError);
    // A connection that failed or could not even roll back is discarded rather than reused.
    client.release(broken);
  }
}
