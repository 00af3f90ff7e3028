import { Client } from 'pg';
import type { RelayLogger } from '../relay/outbox-relay';
import { Wakeup } from '../relay/wakeup';

export interface LeaderLoopOptions {
  connectionString: string;
  /** Loops with the same lock name elect one leader across all processes. */
  lockName: string;
  /** Notifications on this channel wake the leader at once. */
  channel?: string;
  /** Does one round of work; returns true if there may be more to do right away. */
  work(): Promise<boolean>;
  logger: RelayLogger;
  /** Safety-net sweep when idle (a notification can be missed across a reconnect). */
  idleMs?: number;
  /** How often a follower tries to lead, and the back-off after a failure. */
  retryMs?: number;
}

/**
 * Runs `work` on one process at a time: the leader holds a PostgreSQL session advisory lock on a
 * dedicated connection. When the leader dies, its session ends, the lock is released, and a follower
 * takes over. Every round first checks the session is alive, so a leader that lost its connection
 * (and so its lock) stops working before a successor can start.
 */
export class LeaderLoop {
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private running?: Promise<void>;
  private leader = false;

  constructor(private readonly options: LeaderLoopOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running ??= this.run();
  }

  wake(): void {
    this.wakeup.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.leadWhileConnected();
      } catch (error) {
        this.options.logger.error(
          { err: error, lock: this.options.lockName },
          'leader loop failed; retrying',
        );
      } finally {
        this.leader = false;
      }
      if (!this.stopping) await this.wakeup.wait(this.options.retryMs ?? 1_000);
    }
  }

  private async leadWhileConnected(): Promise<void> {
    const session = new Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: 5_000,
    });
    let sessionError: Error | undefined;
    session.on('error', (error) => {
      sessionError = error;
      this.wakeup.wake();
    });
    session.on('notification', () => this.wakeup.wake());
    await session.connect();
    try {
      if (!(await this.becomeLeader(session, () => sessionError))) return;
      if (this.options.channel) await session.query(`LISTEN ${this.options.channel}`);
      this.options.logger.info({ lock: this.options.lockName }, 'leading');
      while (!this.stopping && !sessionError) {
        await session.query('SELECT 1');
        const more = await this.options.work();
        if (!more) await this.wakeup.wait(this.options.idleMs ?? 1_000);
      }
      if (sessionError) throw sessionError;
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  private async becomeLeader(session: Client, failed: () => Error | undefined): Promise<boolean> {
    while (!this.stopping && !failed()) {
      const { rows } = await session.query('SELECT pg_try_advisory_lock(hashtext($1)) AS acquired', [
        this.options.lockName,
      ]);
      if (rows[0].acquired) return (this.leader = true);
      await this.wakeup.wait(this.options.retryMs ?? 1_000);
    }
    return false;
  }
}
