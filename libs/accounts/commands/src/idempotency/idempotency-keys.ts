import { Inject, Injectable } from '@nestjs/common';
import { endSession } from '@tally/database';
import { TransactionScope } from '@tally/event-store';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type Claim =
  { outcome: 'claimed' } | { outcome: 'replay'; requestHash: string; response: StoredResponse };

/** The idempotency_keys table. Every method runs on the current transaction (see the interceptor). */
@Injectable()
export class IdempotencyKeys {
  constructor(
    private readonly scope: TransactionScope,
    @Inject(COMMANDS_OPTIONS) private readonly options: Pick<CommandsOptions, 'idempotencyKeyTtlSeconds'>,
  ) {}

  /**
   * Claims the key, or returns what it answered before. The insert takes the key's unique-index slot
   * first: a concurrent duplicate blocks on it until this transaction ends, then either finds the
   * stored response (committed) or claims the key itself (rolled back). An expired key is reclaimed.
   */
  async claim(scope: string, key: string, requestHash: string): Promise<Claim> {
    const db = this.scope.db;
    const { rowCount } = await db.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = NULL,
         headers = NULL, body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.expires_at <= now()`,
      [scope, key, requestHash, this.options.idempotencyKeyTtlSeconds],
    );
    if (rowCount === 1) return { outcome: 'claimed' };
    const { rows } = await db.query(
      'SELECT request_hash, status, headers, body FROM idempotency_keys WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = rows[0];
    return {
      outcome: 'replay',
      requestHash: row.request_hash,
      response: { status: row.status, headers: row.headers ?? {}, body: row.body },
    };
  }

  /**
   * The response stored under the key by a transaction whose COMMIT answer was lost, once its session
   * (`lostSession`) has ended: the response if it committed, undefined if it did not. Throws while
   * the session cannot be ended or the table read. Runs on the pool, outside any transaction.
   */
  async storedAfterLostCommit(
    scope: string,
    key: string,
    requestHash: string,
    lostSession: number | undefined,
  ): Promise<StoredResponse | undefined> {
    const db = this.scope.pool;
    if (lostSession !== undefined && !(await endSession(db, lostSession)))
      throw new Error(`The lost session ${lostSession} has not ended yet`);
    const { rows } = await db.query(
      `SELECT status, headers, body FROM idempotency_keys
       WHERE scope = $1 AND key = $2 AND request_hash = $3 AND status IS NOT NULL`,
      [scope, key, requestHash],
    );
    const row = rows[0];
    return row && { status: row.status, headers: row.headers ?? {}, body: row.body };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.scope.db.query(
      'UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE scope = $1 AND key = $2',
      [scope, key, response.status, JSON.stringify(response.headers), JSON.stringify(response.body)],
    );
  }

  /** Returns how many expired keys were deleted. */
  async deleteExpired(): Promise<number> {
    const { rowCount } = await this.scope.db.query('DELETE FROM idempotency_keys WHERE expires_at <= now()');
    return rowCount ?? 0;
  }
}
