import { AsyncLocalStorage } from 'node:async_hooks';
import { inTransaction } from '@tally/database';
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
