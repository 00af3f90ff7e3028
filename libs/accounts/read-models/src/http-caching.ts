import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sets the ETag of a single resource and answers 304 Not Modified (no body) when the client already
 * holds that representation (If-None-Match). Returns the body to send, or undefined for a 304.
 */
export function withEtag<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  etag: string,
  body: T,
): T | undefined {
  void reply.header('etag', etag);
  const held = request.headers['if-none-match'];
  const matches =
    typeof held === 'string' &&
    held.split(',').some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}` || tag.trim() === '*');
  if (!matches) return body;
  void reply.status(304);
  return undefined;
}
