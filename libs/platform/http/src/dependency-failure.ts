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

/** PostgreSQL SQLSTATEs: class 08 (connection exception), shutdowns, and "too many connections". */
const isPostgresUnavailable = (code: string) =>
  code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);

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
