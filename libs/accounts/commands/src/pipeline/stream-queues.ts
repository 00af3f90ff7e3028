import { AsyncResource } from 'node:async_hooks';
import { CommandQueueFullError } from './pipeline-errors';

export interface StreamQueueLimits {
  /** Commands waiting for one stream (the one being written included). */
  perStream: number;
  /** Commands waiting for all streams together. */
  total: number;
  /** Commands taken together into one turn (and one append). */
  batch: number;
}

/** What the queues need of an item: a way to fail it if its turn goes wrong. */
export interface Waiting {
  /** Taken on its own (e.g. work inside a caller's transaction), never batched with others. */
  readonly alone: boolean;
  reject(error: unknown): void;
}

/**
 * One writer per stream: items for a stream wait in arrival order, and one worker per stream takes
 * everything that waits (up to `batch`) as one turn. While a turn is being written the next fills, so
 * a hot stream is written in batches and a quiet one item by item, without any timer.
 *
 * Bounded per stream and in all: a full queue refuses at once (CommandQueueFullError), so an
 * overloaded service answers 503 rather than letting requests hang.
 */
export class StreamQueues<Item extends Waiting> {
  private readonly queues = new Map<string, Item[]>();
  private count = 0;
  /**
   * Workers run in the context the queues were built in, not in the request that happened to start
   * them: a transaction or turn that the first caller holds must not leak into later turns.
   */
  private readonly home = new AsyncResource('StreamQueues');

  constructor(
    private readonly limits: StreamQueueLimits,
    private readonly writeTurn: (streamId: string, items: Item[]) => Promise<void>,
  ) {}

  push(streamId: string, item: Item): void {
    const queue = this.queues.get(streamId);
    if (this.count >= this.limits.total || (queue?.length ?? 0) >= this.limits.perStream)
      throw new CommandQueueFullError(streamId);
    this.count++;
    if (queue) {
      queue.push(item);
      return;
    }
    const waiting = [item];
    this.queues.set(streamId, waiting);
    this.home.runInAsyncScope(() => void this.work(streamId, waiting));
  }

  /** Items waiting or being written, in all. */
  get size(): number {
    return this.count;
  }

  private async work(streamId: string, queue: Item[]): Promise<void> {
    while (queue.length > 0) {
      const turn = queue[0].alone
        ? 1
        : queue.findIndex((item, index) => item.alone || index >= this.limits.batch);
      const items = queue.splice(0, turn < 0 ? queue.length : turn);
      try {
        await this.writeTurn(streamId, items);
      } catch (error) {
        // writeTurn settles its items; should it throw, nobody may be left waiting forever.
        for (const item of items) item.reject(error);
      } finally {
        this.count -= items.length;
      }
    }
    this.queues.delete(streamId);
  }
}
