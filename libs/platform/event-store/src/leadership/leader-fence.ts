import type { Queryable } from '../queryable';

/** A write refused because its leader's term is over: another process leads now. */
export class FencedOutError extends Error {
  override readonly name = 'FencedOutError';

  constructor(
    readonly lockName: string,
    readonly epoch: number,
  ) {
    super(`${lockName}: term ${epoch} is over (another process leads now); the write was not made`);
  }
}

/** What a leader's writing transaction checks first: that its term is still the current one. */
export interface Fence {
  /** Throws FencedOutError unless the term is current; on `db`, inside the writing transaction. */
  check(db: Queryable): Promise<void>;
}

/**
 * The fencing token of one term: the epoch it claimed in `leader_terms`. `check`, run inside the
 * writing transaction, takes a share lock on the loop's row and compares the epoch, so either the
 * check sees a successor's claim (and the transaction writes nothing) or the successor's claim waits
 * until this transaction has committed and then sees its writes. A leader paused at any point of its
 * work (GC, frozen VM, SIGSTOP) therefore never writes after its successor started.
 */
export class LeaderFence implements Fence {
  private over = false;

  constructor(
    readonly lockName: string,
    readonly epoch: number,
    /** A fenced transaction left idle this long (its process paused) is ended by PostgreSQL. */
    private readonly leaseMs: number,
  ) {}

  /** Known locally to be over (a check failed, or the lock-holding session ended). */
  get isOver(): boolean {
    return this.over;
  }

  end(): void {
    this.over = true;
  }

  async check(db: Queryable): Promise<void> {
    if (this.over) throw new FencedOutError(this.lockName, this.epoch);
    // The share lock makes a successor's claim wait for this transaction; were this process paused
    // while holding it, the successor would wait for ever, so the transaction may idle at most a lease.
    const { rows } = await db.query(
      `SELECT set_config('idle_in_transaction_session_timeout', $3, true)
       FROM leader_terms WHERE lock_name = $1 AND epoch = $2 FOR SHARE`,
      [this.lockName, this.epoch, String(Math.round(this.leaseMs))],
    );
    if (rows.length === 0) {
      this.over = true;
      throw new FencedOutError(this.lockName, this.epoch);
    }
  }
}

/**
 * Claims the next term of `lockName` on the lock-holding session: bumps the epoch, which waits for
 * every transaction of the previous term that already checked its fence (their share locks), so the new
 * leader starts after them and sees what they wrote.
 */
export async function claimTerm(
  session: Queryable,
  lockName: string,
  leader: string,
  leaseMs: number,
): Promise<LeaderFence> {
  const { rows } = await session.query<{ epoch: string }>(
    `INSERT INTO leader_terms (lock_name, epoch, leader) VALUES ($1, 1, $2)
     ON CONFLICT (lock_name) DO UPDATE
       SET epoch = leader_terms.epoch + 1, leader = excluded.leader, began_at = now()
     RETURNING epoch::text`,
    [lockName, leader],
  );
  return new LeaderFence(lockName, Number(rows[0].epoch), leaseMs);
}
