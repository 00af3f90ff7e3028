/**
 * Whether an error means a dependency (PostgreSQL, Kafka) is unreachable or going away, rather than a
 * bug: such requests are answered 503 with Retry-After, so clients retry instead of giving up.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * PostgreSQL SQLSTATEs that say "not now" rather than "never": class 08 (connection exception), shutdowns,
 * class 53 (insufficient resources: disk full, out of memory, too many connections), a statement or
 * lock timeout (57014, 55P03: the pools set both) and a deadlock or serialization failure (40P01,
 * 40001). Each is the server's own answer to a statement, so its transaction did not commit: "retry" is
 * the truth (a lost answer, whose outcome is unknown, is never one of these).
 */
const isPostgresUnavailable = (code: string) =>
  code.startsWith('08') ||
  code.startsWith('53') ||
  ['57P01', '57P02', '57P03', '57014', '55P03', '40P01', '40001'].includes(code);

const POOL_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/i;

export function isDependencyFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isPostgresUnavailable(code))) return true;
  if (
    typeof name === 'string' &&
    /^KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded|BrokerNotFound)/.test(name)
  ) {
    return true;
  }
  return typeof message === 'string' && POOL_MESSAGES.test(message);
}
