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

/**
 * The command's events were sent to the store, the connection failed before the store answered, and
 * the lookup by their ids found them not stored (the lost session ended first): nothing was written.
 * Answered 503 dependency-unavailable with Retry-After: a retry is safe.
 */
export class NotWrittenError extends Error {
  override readonly name = 'NotWrittenError';
  constructor(readonly streamId: string) {
    super(
      `The database connection failed while the command on ${streamId} was being written; it was not written. Retry shortly.`,
    );
  }
}

/**
 * The command's events were sent to the store, the connection failed before the store answered, and
 * the store could not be asked again before the request's deadline: they may or may not be stored.
 * Answered 503 outcome-unknown, without Retry-After: a retry without an Idempotency-Key may apply the
 * command twice.
 */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
  constructor(
    readonly streamId: string,
    why = 'the database connection failed while it was being written, and it could not be checked in time',
  ) {
    super(
      `The command on ${streamId} may or may not have been applied: ${why}. ` +
        'Retry with the same Idempotency-Key (safe), or read the account to find out; a retry without one may apply the command twice.',
    );
  }
}
