import { CONNECT_TIMEOUT_MS } from './ensure-database';

/** How long anything on a database connection may take: every service pool has these limits. */
export interface DatabaseTimeouts {
  /** `statement_timeout`: the server cancels a statement running longer. */
  statementTimeoutMs: number;
  /** `lock_timeout`: the server gives up waiting for a lock (row, table or advisory) after this. */
  lockTimeoutMs: number;
  /** `idle_in_transaction_session_timeout`: the server ends a session idle this long inside a transaction. */
  idleInTransactionTimeoutMs: number;
  /** TCP keepalive: the first probe of a silent connection after this much quiet. */
  keepAliveInitialDelayMs: number;
}

export const defaultDatabaseTimeouts: DatabaseTimeouts = {
  statementTimeoutMs: 10_000,
  lockTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 30_000,
  keepAliveInitialDelayMs: 10_000,
};

/**
 * The client waits this much longer than `statement_timeout` for an answer: the server's own cancel
 * comes first whenever the server is there to send it; the client's only fires on a connection that
 * went silent (a stalled network or server), which the server's limits cannot see.
 */
const CLIENT_MARGIN_MS = 2_000;

/**
 * pg Pool options that put the limits on every connection: the server-side ones as session settings
 * sent at connect, the client-side read timeout (`query_timeout`), connect timeout and TCP keepalive.
 */
export const poolTimeoutOptions = (timeouts: DatabaseTimeouts) => ({
  statement_timeout: timeouts.statementTimeoutMs,
  lock_timeout: timeouts.lockTimeoutMs,
  idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
  query_timeout: timeouts.statementTimeoutMs + CLIENT_MARGIN_MS,
  connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  keepAlive: true,
  keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
});
