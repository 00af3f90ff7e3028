import type { FastifyRequest } from 'fastify';

/** What a command carries besides its intent: who caused it, and under which expectations. */
export interface CommandContext {
  correlationId: string;
  causationId: string;
  actor?: string;
  /** From `If-Match`: the stream version the client last saw. Absent means "whatever is current". */
  expectedVersion?: number;
}

/** A request is the cause of the commands it issues, so its id is both correlation and causation. */
export const commandContextOf = (request: FastifyRequest): CommandContext => ({
  correlationId: request.id,
  causationId: request.id,
});

/** Every acknowledged write answers with the stream's new version and a token for read-your-writes. */
export interface WriteResult {
  version: number;
  consistencyToken: string;
}
