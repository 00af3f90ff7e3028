import type { FastifyReply } from 'fastify';
import type { WriteResult } from '../pipeline/command-context';

/** The new version as a strong ETag: what a client sends back as If-Match for its next write. */
export const etagOf = (version: number): string => `"${version}"`;

export function sendWriteHeaders(reply: FastifyReply, result: WriteResult): void {
  void reply.header('etag', etagOf(result.version));
}
