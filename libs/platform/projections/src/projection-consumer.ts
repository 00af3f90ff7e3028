import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import { DeadLetterPublisher, type DeadLetter, type KafkaLogger } from '@tally/messaging';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Projection } from './projection';
import { projectionMetrics } from './projection-metrics';
import { selectNewEvents } from './select-new-events';
import { lockStreamPositions, parkEvents, saveStreamPositions, takeParkedEvents } from './stream-positions';

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
  /**
   * Upper bound of messages applied in one PostgreSQL transaction. A long fetched batch (a replay,
   * a rebuild) is applied in chunks of this size, each committed and heartbeated before the next.
   */
  maxMessagesPerTransaction?: number;
  /**
   * Partitions applied at the same time, each in its own transaction (default
   * PROJECTION_PARTITIONS_CONCURRENTLY, else 1). Safe for exactly-once: a stream lives on one
   * partition, so concurrent transactions never share a stream's position or rows; shared rows
   * (owner totals) are upserted in key order, so they wait for each other but never deadlock.
   */
  partitionsConsumedConcurrently?: number;
  /** Called after every committed chunk (rebuild progress bars). */
  onChunk?(progress: ChunkProgress): void;
}

export interface ChunkProgress {
  partition: number;
  /** Messages read in the chunk, duplicates and dead letters included. */
  messages: number;
  /** Events newly applied to the read tables. */
  applied: number;
  /** The next offset to read on the partition. */
  nextOffset: bigint;
  highWatermark: bigint;
}

export interface PartitionStatus {
  /** Next offset to read: everything before it is applied (or dead-lettered) and committed. */
  position: string;
  /** Messages on the partition not applied yet, as of the last fetch. */
  lag: number;
}

const positiveInt = (value: string | undefined, fallback: number): number => {
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : fallback;
};

interface Decoded {
  event: EventEnvelope;
  offset: string;
}

/**
 * Applies the topic to the read tables with an exactly-once effect:
 * 1. a chunk of a batch is decoded; invalid messages are dead-lettered, never retried forever;
 * 2. in ONE PostgreSQL transaction: the per-stream positions are locked, only the next versions are
 *    applied by every projection, events ahead of their stream are parked (never applied early), and
 *    the positions advance;
 * 3. only after that commit are the Kafka offsets resolved and committed.
 * A crash anywhere replays from the last committed offset, and step 2 makes the replay a no-op.
 */
export class ProjectionConsumer {
  private readonly consumer: Consumer;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly metrics = projectionMetrics();
  private readonly partitions = new Map<number, PartitionStatus>();
  private applied = 0;

  constructor(private readonly options: ProjectionConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
      // kafkajs backs off exponentially up to 30 s by default: after a broker outage of a few seconds
      // a consumer could then sit idle for minutes although the broker is back. Short, many retries
      // keep the gap between the broker's return and the next attempt under two seconds.
      retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 30 },
    });
    this.deadLetters = new DeadLetterPublisher(options.kafka);
  }

  get appliedCount(): number {
    return this.applied;
  }

  /** What this replica owns and how far behind it is; served in the readiness details. */
  status(): {
    groupId: string;
    projector: string;
    appliedEvents: number;
    partitions: Record<string, PartitionStatus>;
  } {
    return {
      groupId: this.options.groupId,
      projector: this.options.projector,
      appliedEvents: this.applied,
      partitions: Object.fromEntries([...this.partitions].sort(([a], [b]) => a - b)),
    };
  }

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.options.logger.error(
        { err: payload.error, restart: payload.restart },
        'projection consumer crashed',
      );
      if (!payload.restart) this.options.onFatal(payload.error);
    });
    // After a rebalance, forget the partitions that moved to another replica: their lag is not ours.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Set(payload.memberAssignment[this.options.topic] ?? []);
      for (const partition of [...this.partitions.keys()].filter((p) => !owned.has(p))) {
        this.partitions.delete(partition);
        const labels = this.labels(partition);
        this.metrics.lag.remove(labels);
        this.metrics.position.remove(labels);
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently:
        this.options.partitionsConsumedConcurrently ??
        positiveInt(process.env.PROJECTION_PARTITIONS_CONCURRENTLY, 1),
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.close();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const size = this.options.maxMessagesPerTransaction ?? 500;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + size);
      // A slow transaction must not look like a dead member: keep heartbeating while it runs.
      const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), 1_000);
      let applied: number;
      try {
        applied = await this.applyChunk(batch.topic, batch.partition, chunk);
      } finally {
        clearInterval(keepAlive);
      }
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary();
      await heartbeat();
      this.track(batch.partition, BigInt(last) + 1n, BigInt(batch.highWatermark), chunk.length, applied);
    }
  }

  private async applyChunk(topic: string, partition: number, messages: KafkaMessage[]): Promise<number> {
    const decoded: Decoded[] = [];
    const letters: DeadLetter[] = [];
    for (const message of messages) {
      try {
        decoded.push({ event: decodeEvent(message.value), offset: message.offset });
      } catch (error) {
        letters.push({ topic, partition, message, error: error as Error });
      }
    }
    // Published before the transaction: a crash in between dead-letters the message twice on replay
    // (at least once), which a re-drive tolerates because application is idempotent.
    await this.deadLetters.publish(letters);
    if (letters.length > 0) {
      this.metrics.deadLettered.inc({ group: this.options.groupId, topic }, letters.length);
      this.options.logger.warn(
        { count: letters.length, partition, offsets: letters.map((l) => l.message.offset) },
        'dead-lettered',
      );
    }
    const { applied, parked } = await this.applyInOneTransaction(decoded.map((d) => d.event));
    if (parked > 0) {
      this.metrics.parked.inc({ group: this.options.groupId, topic }, parked);
      this.options.logger.warn({ count: parked, partition }, 'events ahead of their stream parked');
    }
    return applied;
  }

  private async applyInOneTransaction(events: EventEnvelope[]): Promise<{ applied: number; parked: number }> {
    if (events.length === 0) return { applied: 0, parked: 0 };
    const { projector, projections } = this.options;
    const selection = await this.options.dataSource.transaction(async (tx) => {
      const streamIds = [...new Set(events.map((event) => event.streamId))];
      const positions = await lockStreamPositions(tx, projector, streamIds);
      const waiting = await takeParkedEvents(tx, projector, streamIds);
      const selected = selectNewEvents(events, positions, waiting);
      for (const projection of projections) await projection.apply(selected.fresh, tx);
      await parkEvents(tx, projector, selected.parked);
      await saveStreamPositions(tx, projector, selected.advanced);
      return selected;
    });
    this.applied += selection.fresh.length;
    this.metrics.applied.inc(
      { group: this.options.groupId, topic: this.options.topic },
      selection.fresh.length,
    );
    return { applied: selection.fresh.length, parked: selection.parked.length };
  }

  private track(partition: number, next: bigint, highWatermark: bigint, messages: number, applied: number) {
    const lag = Number(highWatermark > next ? highWatermark - next : 0n);
    this.partitions.set(partition, { position: next.toString(), lag });
    const labels = this.labels(partition);
    this.metrics.lag.set(labels, lag);
    this.metrics.position.set(labels, Number(next));
    this.options.onChunk?.({ partition, messages, applied, nextOffset: next, highWatermark });
  }

  private labels(partition: number) {
    return { group: this.options.groupId, topic: this.options.topic, partition: String(partition) };
  }
}
