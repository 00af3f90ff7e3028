import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import { DeadLetterPublisher, type DeadLetter, type KafkaLogger } from '@tally/messaging';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Projection } from './projection';
import { selectNewEvents } from './select-new-events';
import { lockStreamPositions, saveStreamPositions } from './stream-positions';

export interface ProjectionConsumerOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  /** Names the set of read tables being built; their stream positions are kept under it. */
  projector: string;
  dataSource: DataSource;
  projections: Projection[];
  logger: KafkaLogger;
  /** Called when the consumer has stopped for good; the process should exit and be restarted. */
  onFatal(error: Error): void;
  /**
   * How long the group waits for a silent member before moving its partitions to the others.
   * Shorter means faster takeover after a crash, longer tolerates longer pauses (GC, slow batches).
   */
  sessionTimeoutMs?: number;
}

export class StreamGapError extends Error {
  override readonly name = 'StreamGapError';
}

interface Decoded {
  event: EventEnvelope;
  offset: string;
}

/**
 * Applies the topic to the read tables with an exactly-once effect:
 * 1. a batch is decoded; invalid messages are dead-lettered, never retried forever;
 * 2. in ONE PostgreSQL transaction: the per-stream positions are locked, only the next versions are
 *    applied by every projection, and the positions advance;
 * 3. only after that commit are the Kafka offsets resolved and committed.
 * A crash anywhere replays from the last committed offset, and step 2 makes the replay a no-op.
 */
export class ProjectionConsumer {
  private readonly consumer: Consumer;
  private readonly deadLetters: DeadLetterPublisher;
  private applied = 0;

  constructor(private readonly options: ProjectionConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
      retry: { retries: 10 },
    });
    this.deadLetters = new DeadLetterPublisher(options.kafka);
  }

  get appliedCount(): number {
    return this.applied;
  }

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.options.logger.error(
        { err: payload.error, restart: payload.restart },
        'projection consumer crashed',
      );
      if (!payload.restart) this.options.onFatal(payload.error);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.close();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const decoded: Decoded[] = [];
    const letters: DeadLetter[] = [];
    for (const message of batch.messages) {
      try {
        decoded.push({ event: decodeEvent(message.value), offset: message.offset });
      } catch (error) {
        letters.push({ topic: batch.topic, partition: batch.partition, message, error: error as Error });
      }
    }
    await this.deadLetters.publish(letters);
    if (letters.length > 0)
      this.options.logger.warn({ count: letters.length, partition: batch.partition }, 'dead-lettered');

    const gapAt = await this.applyInOneTransaction(decoded.map((d) => d.event));
    const lastSafeOffset = gapAt === undefined ? batch.lastOffset() : previousOffset(decoded[gapAt].offset);
    if (lastSafeOffset !== undefined) resolveOffset(lastSafeOffset);
    await commitOffsetsIfNecessary();
    await heartbeat();
    if (gapAt !== undefined) {
      const { streamId, streamVersion } = decoded[gapAt].event;
      // Thrown so that kafkajs backs off and re-fetches from the gap: it is never applied early.
      throw new StreamGapError(`${streamId} version ${streamVersion} arrived before its predecessor`);
    }
  }

  /** Returns the index of the first event that is ahead of its stream, if any. */
  private async applyInOneTransaction(events: EventEnvelope[]): Promise<number | undefined> {
    if (events.length === 0) return undefined;
    const { projector, projections } = this.options;
    const { fresh, gapAt } = await this.options.dataSource.transaction(async (tx) => {
      const streamIds = [...new Set(events.map((event) => event.streamId))];
      const selection = selectNewEvents(events, await lockStreamPositions(tx, projector, streamIds));
      for (const projection of projections) await projection.apply(selection.fresh, tx);
      await saveStreamPositions(tx, projector, selection.advanced);
      return selection;
    });
    this.applied += fresh.length;
    return gapAt;
  }
}

const previousOffset = (offset: string): string | undefined =>
  BigInt(offset) > 0n ? (BigInt(offset) - 1n).toString() : undefined;
