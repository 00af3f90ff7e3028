import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';

const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every request gets a correlation id: the caller's, if it sent a sane one, else a new UUID.
 * It is the request id in logs and travels into the metadata of every event the request causes.
 * Stored on the raw request too, so that pino-http logs the same id Fastify uses.
 */
export function correlationIdOf(raw: IncomingMessage): string {
  const given = raw.headers[CORRELATION_HEADER];
  const id = typeof given === 'string' && acceptable.test(given) ? given : randomUUID();
  (raw as IncomingMessage & { id?: string }).id = id;
  return id;
}
