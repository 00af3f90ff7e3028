/**
 * A consistency token names the write a client has seen acknowledged: the stream and the version it
 * reached. A query-service replica that has applied that stream version (or later) can answer a read
 * that carries the token without showing the client anything older than its own write.
 *
 * The token is opaque to clients (base64url JSON); only the two services read it.
 */
export interface ConsistencyPoint {
  streamId: string;
  version: number;
}

export function encodeConsistencyToken(point: ConsistencyPoint): string {
  return Buffer.from(JSON.stringify({ s: point.streamId, v: point.version })).toString('base64url');
}

/** Returns undefined for anything that is not a token this system issued. */
export function decodeConsistencyToken(token: string): ConsistencyPoint | undefined {
  if (token.length === 0 || token.length > 512) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      v?: unknown;
    };
    if (typeof parsed.s !== 'string' || !Number.isSafeInteger(parsed.v) || (parsed.v as number) < 1)
      return undefined;
    return { streamId: parsed.s, version: parsed.v as number };
  } catch {
    return undefined;
  }
}
