/** Settings of the write side's use cases, from the composition root (see the lib's README). */
export interface CommandsOptions {
  /** A stream's state is snapshotted once this many events were folded on top of its last snapshot. */
  snapshotEvery: number;
  /** Streams whose folded state is kept in memory between commands (0: none; see StreamStateCache). */
  stateCacheSize: number;
  /** How long an idempotency key answers retries; expired keys are deleted hourly. */
  idempotencyKeyTtlSeconds: number;
  /** The per-stream queues of the command pipeline (see StreamQueues). */
  streams: {
    /** Commands waiting for one stream at most; more are answered 503 with Retry-After. */
    perStream: number;
    /** Commands waiting for all streams together at most. */
    total: number;
    /** Commands decided together and written as one append, at most. */
    batch: number;
    /** How long a command may wait for its stream (and retry lost races) before it is answered 503. */
    deadlineMs: number;
    /**
     * After a lost race to another instance, a stream's turns take a per-stream advisory lock for a
     * second (instances take turns) instead of re-deciding after every loss. Off by default: with two
     * instances on one hot account, retries alone did as well or better (bench/README.md).
     */
    lockWhenContended: boolean;
  };
  transfers: {
    /** Runs the transfer process manager in this instance (one leads at a time across instances). */
    enabled: boolean;
    /** Safety-net sweep for unfinished transfers, besides the wake-up on each new transfer. */
    sweepIntervalMs: number;
    /** Transfers driven at once by the leader; their appends share commits (group commit). */
    concurrency: number;
  };
}

export const COMMANDS_OPTIONS = Symbol('COMMANDS_OPTIONS');

export const defaultCommandsOptions: CommandsOptions = {
  snapshotEvery: 100,
  stateCacheSize: 10_000,
  idempotencyKeyTtlSeconds: 24 * 60 * 60,
  streams: { perStream: 1_000, total: 10_000, batch: 500, deadlineMs: 5_000, lockWhenContended: true },
  transfers: { enabled: true, sweepIntervalMs: 1_000, concurrency: 16 },
};
