import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@tally/http';

/** What a command carries besides its intent: who caused it, and under which expectations. */
export interface CommandContext {
  correlationId: string;
  causationId: string;
  actor?: string;
  /** From `If-Match`: the stream version the client last saw. Absent means "whatever is current". */
  expectedVersion?: number;
}

const strongVersionTag = /^"([1-9][0-9]{0,8})"$/;

/**
 * `If-Match: "<version>"` (the ETag of an earlier write or read) makes the write conditional;
 * `*` or no header means unconditional. Anything else is refused rather than ignored, since a
 * client that sent a precondition expects it to be enforced.
 */
export function expectedVersionOf(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const match = strongVersionTag.exec(header.trim());
  if (!match)
    throw new ProblemException(
      400,
      'invalid-if-match',
      'Invalid If-Match header',
      'If-Match must be one stream version as a quoted ETag, e.g. If-Match: "3".',
    );
  return Number(match[1]);
}

/** A request is the cause of the commands it issues, so its id is both correlation and causation. */
export const commandContextOf = (request: FastifyRequest): CommandContext => ({
  correlationId: request.id,
  causationId: request.id,
  expectedVersion: expectedVersionOf(request),
});

/** Every acknowledged write answers with the stream's new version and a token for read-your-writes. */
export interface WriteResult {
  version: number;
  consistencyToken: string;
}
