/** A conditional write (`If-Match`) named a version the stream is no longer at: 409. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`Expected version ${expectedVersion}, but the stream is at ${currentVersion}`);
  }
}

/**
 * An unconditional command could not be written before its deadline: other instances kept winning
 * the race for its stream. Answered 503 with Retry-After (the client asked for no precondition, so a
 * lost race is the server's problem, never a 409).
 */
export class StreamContendedError extends Error {
  override readonly name = 'StreamContendedError';
  constructor(readonly streamId: string) {
    super(`The stream ${streamId} is too busy to take the command in time; retry shortly.`);
  }
}

/** Too many commands are already waiting (for this stream, or in all): 503 with Retry-After. */
export class CommandQueueFullError extends Error {
  override readonly name = 'CommandQueueFullError';
  constructor(readonly streamId: string) {
    super(`Too many commands are waiting for ${streamId}; retry shortly.`);
  }
}
