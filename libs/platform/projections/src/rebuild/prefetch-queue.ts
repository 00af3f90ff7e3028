import type { Batch } from 'kafkajs';

const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Hands fetched batches from kafkajs to the loader. kafkajs fetches the next batches only once
 * `eachBatch` has returned for all of the current ones; handing each batch over and returning at
 * once lets the broker work on the next fetch while this process decodes and applies, up to
 * `limit` batches ahead (which bounds memory).
 */
export class PrefetchQueue {
  private readonly batches: Batch[] = [];
  private failure: Error | undefined;
  private closed = false;
  private wakeTaker: (() => void) | undefined;
  private wakePutter: (() => void) | undefined;

  constructor(private readonly limit: number) {}

  /** Called from eachBatch: waits while the queue is full, heartbeating so the member stays alive. */
  async put(batch: Batch, heartbeat: () => Promise<void>): Promise<void> {
    if (this.closed) return;
    this.batches.push(batch);
    this.wakeTaker?.();
    while (this.batches.length > this.limit && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, HEARTBEAT_EVERY_MS);
        this.wakePutter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await heartbeat();
    }
  }

  async take(): Promise<Batch> {
    for (;;) {
      if (this.failure) throw this.failure;
      const batch = this.batches.shift();
      if (batch) {
        this.wakePutter?.();
        return batch;
      }
      await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    }
  }

  /** The consumer stopped for good: `take` rethrows its error. */
  fail(error: Error): void {
    this.failure = error;
    this.wakeTaker?.();
  }

  /** No more batches are wanted: releases a waiting eachBatch. */
  close(): void {
    this.closed = true;
    this.batches.length = 0;
    this.wakePutter?.();
  }
}
