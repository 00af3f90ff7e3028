export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Kafka offsets of messages already applied in PostgreSQL, committed in the background, at most once
 * per `intervalMs`. Committing is only a shortcut for the next reader: the stream positions make a
 * replay a no-op, so an offset committed late (or lost in a crash or a rebalance) only means re-reading
 * a few messages. An offset is recorded here only after its transaction has committed, so a committed
 * offset never covers a message that was not applied.
 */
export class AppliedOffsets {
  private readonly pending = new Map<number, string>();
  private committing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private lastCommit = 0;

  constructor(
    private readonly topic: string,
    private readonly intervalMs: number,
    private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Everything before `nextOffset` on the partition is applied. */
  applied(partition: number, nextOffset: bigint): void {
    this.pending.set(partition, nextOffset.toString());
    this.schedule();
  }

  /** The partition moved to another replica: its offsets are that replica's to commit now. */
  forget(partition: number): void {
    this.pending.delete(partition);
  }

  /** Commits whatever is pending now (shutdown); resolves once the broker has answered. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.committing) await this.committing;
    if (this.pending.size === 0) return;
    const offsets = [...this.pending].map(([partition, offset]) => ({
      topic: this.topic,
      partition,
      offset,
    }));
    this.pending.clear();
    this.lastCommit = Date.now();
    this.committing = this.commit(offsets)
      .catch((error: unknown) => {
        // Retried with the next commit, unless a newer offset of the partition is pending by then.
        for (const { partition, offset } of offsets)
          if (!this.pending.has(partition)) this.pending.set(partition, offset);
        this.onError(error);
      })
      .finally(() => {
        this.committing = undefined;
        if (this.pending.size > 0) this.schedule();
      });
    await this.committing;
  }

  private schedule(): void {
    if (this.timer || this.committing) return;
    const wait = Math.max(0, this.lastCommit + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
    this.timer.unref();
  }
}
