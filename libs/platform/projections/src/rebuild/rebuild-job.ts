import { Client } from 'pg';
import { RateMeter } from './rate-meter';
import { ReadModelRebuild, type RebuildOptions, type RebuildProgress } from './read-model-rebuild';

export type RebuildJobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RebuildJobProgress {
  phase: 'starting' | RebuildProgress['phase'];
  source: RebuildProgress['source'];
  /** Events (store) or messages (topic) read so far, of how many (grows while writes continue). */
  done: number;
  total: number;
  applied: number;
  /** Events or messages read per second over the last five seconds; null until measurable. */
  rate: number | null;
  elapsedSeconds: number;
}

/** Everything about one rebuild, as plain JSON: for a progress line, an API answer, a page. */
export interface RebuildJobStatus {
  /** The rebuild's label: its shadow schema is `rebuild_<id>`, its group ends with it. */
  id: string;
  state: RebuildJobState;
  startedAt: string;
  finishedAt: string | null;
  cancelRequested: boolean;
  progress: RebuildJobProgress;
  result: { messages: number; applied: number; seconds: number; retiredSchema: string | null } | null;
  error: string | null;
}

/** Another rebuild of the same read models holds the read database's rebuild lock. */
export class RebuildAlreadyRunningError extends Error {
  constructor(holder: string | undefined) {
    super(
      `another rebuild of these read models is running on this read database${holder ? ` (${holder})` : ''}`,
    );
    this.name = 'RebuildAlreadyRunningError';
  }
}

export type RebuildJobOptions = Omit<RebuildOptions, 'onProgress' | 'signal'>;

const APPLICATION_NAME = 'tally-rebuild';

/**
 * A rebuild (ReadModelRebuild) that can be started, watched, cancelled, and whose outcome is kept:
 * what the `npm run rebuild` command and the admin console both drive. One at a time per read
 * database and projector, whichever process starts it: `start` takes a PostgreSQL advisory lock,
 * held by a session of its own (never in a transaction) until the rebuild has finished and cleaned
 * up. Cancelling stops it at its next step, drops its shadow schema and deletes its group (see
 * RebuildOptions.signal); the live tables stay as they were.
 */
export class RebuildJob {
  /** Resolves once the rebuild has ended and cleaned up, whatever the outcome; never rejects. */
  readonly finished: Promise<RebuildJobStatus>;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<(status: RebuildJobStatus) => void>();
  private readonly rate = new RateMeter();
  private readonly started = Date.now();
  private current: RebuildJobStatus;

  /**
   * Takes the rebuild lock, then runs the rebuild in the background. Rejects with
   * RebuildAlreadyRunningError if another rebuild holds it (in this process or another).
   */
  static async start(options: RebuildJobOptions): Promise<RebuildJob> {
    const lock = new Client({
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: 10_000,
      application_name: `${APPLICATION_NAME} ${options.label}`,
    });
    await lock.connect();
    try {
      const key = `rebuild:${options.projector}`;
      const [{ locked }] = (await lock.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]))
        .rows;
      if (!locked) {
        const [holder] = (
          await lock.query(
            `SELECT application_name, backend_start FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE $1 AND pid <> pg_backend_pid()
             ORDER BY backend_start LIMIT 1`,
            [`${APPLICATION_NAME} %`],
          )
        ).rows as { application_name: string; backend_start: Date }[];
        throw new RebuildAlreadyRunningError(
          holder && `${holder.application_name}, started ${holder.backend_start.toISOString()}`,
        );
      }
    } catch (error) {
      await lock.end().catch(() => undefined);
      throw error;
    }
    return new RebuildJob(options, lock);
  }

  private constructor(options: RebuildJobOptions, lock: Client) {
    const source = options.eventStore ? 'store' : 'topic';
    this.current = {
      id: options.label,
      state: 'running',
      startedAt: new Date(this.started).toISOString(),
      finishedAt: null,
      cancelRequested: false,
      progress: { phase: 'starting', source, done: 0, total: 0, applied: 0, rate: null, elapsedSeconds: 0 },
      result: null,
      error: null,
    };
    const rebuild = new ReadModelRebuild({
      ...options,
      signal: this.controller.signal,
      onProgress: (progress) => this.progressed(progress),
    });
    this.finished = rebuild
      .run()
      .then(
        (result) =>
          this.finish('succeeded', {
            result: {
              messages: result.messages,
              applied: result.applied,
              seconds: this.elapsedSeconds(),
              retiredSchema: result.retiredSchema ?? null,
            },
          }),
        (error: unknown) =>
          this.controller.signal.aborted
            ? this.finish('cancelled', { error: 'cancelled' })
            : this.finish('failed', { error: error instanceof Error ? error.message : String(error) }),
      )
      .then(async (status) => {
        // Released before the last report: whoever watches may start the next rebuild at once.
        await lock.end().catch(() => undefined);
        this.emit();
        this.listeners.clear();
        return status;
      });
  }

  get id(): string {
    return this.current.id;
  }

  status(): RebuildJobStatus {
    return structuredClone(this.current);
  }

  /** Called with the status on every progress report and once at the end; returns an unsubscribe. */
  onProgress(listener: (status: RebuildJobStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks the rebuild to stop; false if it has already ended. Await `finished` for the cleanup. */
  cancel(): boolean {
    if (this.current.state !== 'running') return false;
    this.current.cancelRequested = true;
    this.controller.abort(new Error('rebuild cancelled'));
    this.emit();
    return true;
  }

  private progressed(progress: RebuildProgress): void {
    const now = Date.now();
    this.current.progress = {
      phase: progress.phase,
      source: progress.source,
      done: progress.done,
      total: progress.total,
      applied: progress.applied,
      rate: this.rate.record(progress.done, now) ?? this.current.progress.rate,
      elapsedSeconds: this.elapsedSeconds(now),
    };
    this.emit();
  }

  private finish(state: RebuildJobState, outcome: Partial<RebuildJobStatus>): RebuildJobStatus {
    this.current = {
      ...this.current,
      ...outcome,
      state,
      finishedAt: new Date().toISOString(),
      progress: { ...this.current.progress, elapsedSeconds: this.elapsedSeconds() },
    };
    return this.status();
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.status());
      } catch {
        // A failing watcher must not stop the rebuild.
      }
    }
  }

  private elapsedSeconds(now = Date.now()): number {
    return Math.round((now - this.started) / 100) / 10;
  }
}
