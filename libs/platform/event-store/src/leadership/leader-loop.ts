import { hostname } from 'node:os';
import { Client } from 'pg';
import { Wakeup } from '../relay/wakeup';
import { claimTerm, type LeaderFence } from './leader-fence';

/** How long a leader that stops answering (paused, frozen, cut off) keeps its lock: see `leaseMs`. */
export const DEFAULT_LEADER_LEASE_MS = 10_000;

export interface LeaderLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One spell of leadership: the session that holds the lock, and what the work keeps across rounds. */
export interface LeaderTerm<State> {
  /** The lock-holding session: a write on it succeeds only while this process still leads. */
  session: Client;
  state: State;
  /**
   * The term's fencing token, when the loop is `fenced`: a write made through any other connection (the
   * pool) checks it in its own transaction (`fence.check(db)` first), so that it cannot commit once
   * another leader began.
   */
  fence?: LeaderFence;
}

export interface LeaderLoopOptions<State = undefined> {
  connectionString: string;
  /** Loops with the same lock name elect one leader across all processes. */
  lockName: string;
  /** Notifications on this channel wake the leader at once. */
  channel?: string;
  /** Does one round of work; returns true if there may be more to do right away. */
  work(term: LeaderTerm<State>): Promise<boolean>;
  /** Called when leadership is won, on the lock-holding session: the state the rounds share. */
  beginTerm?(session: Client): Promise<State>;
  /** Called when a term ends (stop, lost session, failed round), e.g. to settle pipelined work. */
  endTerm?(term: LeaderTerm<State>): Promise<void>;
  /**
   * True when every round writes on `term.session` itself (as the relay's checkpoint does): that write
   * proves the lock is still held, so no separate `SELECT 1` is spent on it before each round.
   */
  workWritesOnSession?: boolean;
  /**
   * The work writes through other connections than the lock-holding session (as the transfer process
   * manager does through the pool): each term claims an epoch in `leader_terms` and hands the work its
   * fence. Work that writes only on the session (the relay's checkpoint) is fenced by the session.
   */
  fenced?: boolean;
  logger: LeaderLogger;
  /** Safety-net sweep when idle (a notification can be missed across a reconnect). */
  idleMs?: number;
  /** How often a follower tries to lead, and the back-off after a failure. */
  retryMs?: number;
  /**
   * The lease: PostgreSQL ends the lock-holding session once it has been idle this long
   * (`idle_session_timeout`), which releases the lock to a follower. A live leader keeps it busy with a
   * heartbeat every third of it; a paused one cannot, so its lock passes on within about a lease even
   * though its connection is still open. The successor's claim also waits at most this long for the
   * previous term's fenced transactions (`lock_timeout`). Default DEFAULT_LEADER_LEASE_MS.
   */
  leaseMs?: number;
}

/**
 * Runs `work` on one process at a time: the leader holds a PostgreSQL session advisory lock on a
 * dedicated connection. When the leader dies or stops answering for a lease, its session ends, the
 * lock is released, and a follower takes over. Writes on the lock-holding session are fenced by that
 * session itself; a `fenced` loop's term also claims a new epoch in `leader_terms`, and its writes
 * through other connections check it in their own transaction (`term.fence`), so that a leader paused
 * in the middle of a round cannot write once its successor began. Unless the work itself writes on
 * the lock-holding session every round, each round first checks the session is alive.
 */
export class LeaderLoop<State = undefined> {
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private running?: Promise<void>;
  private leader = false;

  constructor(private readonly options: LeaderLoopOptions<State>) {}

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
      const leaseMs = this.options.leaseMs ?? DEFAULT_LEADER_LEASE_MS;
      await session.query(`SET idle_session_timeout = ${Math.round(leaseMs)}`);
      await session.query(`SET lock_timeout = ${Math.round(leaseMs)}`);
      const heartbeat = setInterval(() => {
        session.query('SELECT 1').catch(() => undefined); // a failure reaches the 'error' listener
      }, leaseMs / 3);
      heartbeat.unref();
      try {
        if (!(await this.becomeLeader(session, () => sessionError))) return;
        const fence = this.options.fenced
          ? await claimTerm(session, this.options.lockName, `${hostname()}:${process.pid}`, leaseMs)
          : undefined;
        try {
          await this.lead(session, fence, () => sessionError);
        } finally {
          fence?.end();
        }
      } finally {
        clearInterval(heartbeat);
      }
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  private async lead(
    session: Client,
    fence: LeaderFence | undefined,
    failed: () => Error | undefined,
  ): Promise<void> {
    if (this.options.channel) await session.query(`LISTEN ${this.options.channel}`);
    this.options.logger.info({ lock: this.options.lockName, epoch: fence?.epoch }, 'leading');
    const state = (await this.options.beginTerm?.(session)) as State;
    const term: LeaderTerm<State> = { session, state, fence };
    try {
      while (!this.stopping && !failed() && !fence?.isOver) {
        if (!this.options.workWritesOnSession) await session.query('SELECT 1');
        const more = await this.options.work(term);
        if (!more) await this.wakeup.wait(this.options.idleMs ?? 1_000);
      }
    } catch (error) {
      // Settled even when a round failed; the round's failure is the one reported.
      await this.options.endTerm?.(term).catch(() => undefined);
      throw error;
    }
    await this.options.endTerm?.(term);
    const error = failed();
    if (error) throw error;
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
