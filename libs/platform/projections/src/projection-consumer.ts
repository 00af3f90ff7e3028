import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import {
  DeadLetterPublisher,
  REPUBLISH_FIX,
  deadLetterBoundsOf,
  deadLetterTopicOf,
  deadLetterTotal,
  type DeadLetter,
  type KafkaLogger,
} from '@tally/messaging';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { Projection } from './projection';
import { AppliedOffsets } from './applied-offsets';
import { applyInOneTransaction } from './apply-events';
import { BatchGathering } from './batch-gathering';
import { savePartitionProgress, type PartitionProgress } from './partition-progress';
import { ProcessSpans } from './process-spans';
import { ConsumerLagView, type LagReading } from './consumer-lag-view';
import { projectionMetrics, watchProjectionMetrics } from './projection-metrics';
import { TopicHistoryWatch, type HistoryLoss } from './topic-history';

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
   * Upper bound of messages applied in one PostgreSQL transaction. A long fetch (a replay, a
   * rebuild) is applied in chunks of this size, each committed and heartbeated before the next.
   */
  maxMessagesPerTransaction?: number;
  /**
   * Partitions of one fetch applied together, in one transaction (default 12, the topic's default
   * partition count; the query service passes PROJECTION_PARTITIONS_CONCURRENTLY). Safe for
   * exactly-once: the stream positions are per stream, and each partition is applied in offset order.
   * With several brokers, fetches from different brokers are applied in concurrent transactions,
   * which never share a stream; shared rows (owner totals) are upserted in key order, so they wait
   * for each other but never deadlock.
   */
  partitionsConsumedConcurrently?: number;
  /** Minimum gap between two Kafka offset commits (default 500 ms). */
  offsetCommitIntervalMs?: number;
  /** Called after every committed chunk (rebuild progress bars). */
  onChunk?(progress: ChunkProgress): void;
  /**
   * Record each chunk's partition progress in `projection_progress`, in its transaction (default
   * true). A rebuild, whose tables live in a shadow schema without that table, turns it off.
   */
  recordProgress?: boolean;
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
  /** Next offset to read: everything before it is applied (or dead-lettered) in PostgreSQL. */
  position: string;
  /** Messages on the partition not applied yet, as of the last fetch. */
  lag: number;
}

/** The part of one partition's batch that goes into a transaction. */
interface Slice {
  partition: number;
  messages: KafkaMessage[];
}

const ASSIGNMENT_CHECK_WAIT_MS = 2_000;

const settledWithin = (work: Promise<void>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() =>
    clearTimeout(timer),
  );
};

/**
 * Applies the topic to the read tables with an exactly-once effect:
 * 1. a chunk of a batch is decoded; invalid messages are dead-lettered, never retried forever;
 * 2. in ONE PostgreSQL transaction: the per-stream positions are locked, only the next versions are
 *    applied by every projection, events ahead of their stream are parked (never applied early), and
 *    the positions advance;
 * 3. only after that commit are the Kafka offsets resolved, and committed in the background.
 * A crash anywhere replays from the last committed offset, and step 2 makes the replay a no-op.
 * All partitions of a fetch go through steps 1-3 together: one transaction and no broker round trip
 * per fetch (in the common case), rather than one of each per partition, one partition at a time.
 */
export class ProjectionConsumer {
  private readonly consumer: Consumer;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly metrics = projectionMetrics();
  private readonly partitions = new Map<number, PartitionStatus>();
  private readonly offsets: AppliedOffsets;
  private readonly fetches = new BatchGathering<EachBatchPayload>((payloads) => this.trackWork(payloads));
  private readonly history: TopicHistoryWatch;
  private readonly lagView: ConsumerLagView;
  private unwatchMetrics?: () => void;
  private admin?: Promise<Admin>;
  /** The check of a new assignment against the topic; fetches wait for it (briefly). */
  private assignment?: Promise<void>;
  private working = Promise.resolve();
  private running = false;
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
    this.offsets = new AppliedOffsets(
      options.topic,
      options.offsetCommitIntervalMs ?? 500,
      (offsets) => this.consumer.commitOffsets(offsets),
      (error) => options.logger.warn({ err: error }, 'offset commit failed; retrying with the next one'),
    );
    this.history = new TopicHistoryWatch({
      topic: options.topic,
      groupId: options.groupId,
      admin: () => this.adminClient(),
      logger: options.logger,
    });
    this.lagView = new ConsumerLagView({
      topic: options.topic,
      groupId: options.groupId,
      admin: () => this.adminClient(),
      recordedEventTimes: () => this.recordedEventTimes(),
    });
    // Every series at 0 from the start: rate() and increase() need a first sample.
    const labels = { group: options.groupId, topic: options.topic };
    for (const counter of [this.metrics.applied, this.metrics.deadLettered, this.metrics.parked])
      counter.inc(labels, 0);
    this.metrics.applyDelay.zero({ group: options.groupId });
  }

  /** Owned partitions with lag and freshness computed now, from the topic's ends (cached briefly). */
  partitionsNow(): Promise<LagReading[]> {
    return this.lagView.read();
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
    topicHistoryLost?: { losses: readonly HistoryLoss[]; fix: string };
  } {
    const losses = this.history.lost;
    return {
      groupId: this.options.groupId,
      projector: this.options.projector,
      appliedEvents: this.applied,
      partitions: Object.fromEntries([...this.partitions].sort(([a], [b]) => a - b)),
      ...(losses.length > 0 ? { topicHistoryLost: { losses, fix: REPUBLISH_FIX } } : {}),
    };
  }

  /** Compares this replica's positions with the topic's bounds now (readiness probes call it). */
  async checkTopicHistory(): Promise<void> {
    await this.history.check();
  }

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.options.logger.error(
        { err: payload.error, restart: payload.restart },
        'projection consumer crashed',
      );
      if (payload.restart) return;
      this.running = false; // kafkajs has dropped its group: there is nothing left to pause or commit
      this.options.onFatal(payload.error);
    });
    // After a rebalance, forget the partitions that moved to another replica: their lag is not ours.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Set(payload.memberAssignment[this.options.topic] ?? []);
      const assignment = this.history
        .assigned([...owned])
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error }, 'could not compare the committed offsets with the topic'),
        )
        .finally(() => {
          if (this.assignment === assignment) this.assignment = undefined;
        });
      this.assignment = assignment;
      this.lagView.assigned([...owned]);
      for (const partition of [...this.partitions.keys()].filter((p) => !owned.has(p))) {
        this.partitions.delete(partition);
        this.offsets.forget(partition);
        this.history.forget(partition);
      }
    });
    await this.consumer.connect();
    // Connected up front, so that the first assignment's check answers before the first fetch.
    await this.adminClient();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      // Committed by `offsets`, in the background: the next fetch does not wait for the broker.
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 12,
      eachBatch: (payload) => this.fetches.add(payload),
    });
    this.running = true;
    this.unwatchMetrics = watchProjectionMetrics({
      group: this.options.groupId,
      topic: this.options.topic,
      projector: this.options.projector,
      lag: () => this.lagView.read(),
      parked: () => this.parkedCount(),
      deadLetters: () => this.deadLetterCount(),
    });
  }

  async stop(): Promise<void> {
    this.unwatchMetrics?.();
    if (this.running) {
      // Commit what has been applied before leaving the group, so the next owner re-reads little.
      try {
        this.consumer.pause([{ topic: this.options.topic }]);
        await this.working;
        await this.offsets.flush();
      } catch {
        // Between a crash and kafkajs' restart there is no group to pause or commit to.
      }
    }
    await this.consumer.disconnect();
    await this.deadLetters.close();
    await this.admin?.then((admin) => admin.disconnect()).catch(() => undefined);
  }

  private async parkedCount(): Promise<number> {
    const [{ parked }] = await this.options.dataSource.query(
      'SELECT count(*)::int AS parked FROM parked_events WHERE projector = $1',
      [this.options.projector],
    );
    return parked;
  }

  private async deadLetterCount(): Promise<{ topic: string; messages: number }> {
    const topic = deadLetterTopicOf(this.options.topic);
    const admin = await this.adminClient();
    const bounds = deadLetterBoundsOf(await admin.fetchTopicOffsets(topic));
    return { topic, messages: deadLetterTotal(bounds) };
  }

  /** The newest applied event time per partition as recorded with the chunks (`projection_progress`). */
  private async recordedEventTimes(): Promise<Map<number, Date | null>> {
    if (!(this.options.recordProgress ?? true)) return new Map();
    const rows: { partition: number; newest: Date | null }[] = await this.options.dataSource.query(
      `SELECT partition, newest_event_at AS newest FROM projection_progress WHERE group_id = $1 AND topic = $2`,
      [this.options.groupId, this.options.topic],
    );
    return new Map(rows.map((row) => [row.partition, row.newest]));
  }

  private adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }

  private trackWork(payloads: EachBatchPayload[]): Promise<void> {
    const work = this.handleFetch(payloads);
    this.working = work.catch(() => undefined);
    return work;
  }

  /**
   * Applies the partitions of one fetch together: each transaction takes up to
   * `maxMessagesPerTransaction` messages, a prefix of what is left of each partition, so every
   * partition stays in offset order. Offsets are resolved only after the transaction has committed.
   */
  private async handleFetch(payloads: EachBatchPayload[]): Promise<void> {
    // Before applying anything, see the committed offsets as the client found them; but a slow
    // broker answer must not hold up the read side for long.
    if (this.assignment) await settledWithin(this.assignment, ASSIGNMENT_CHECK_WAIT_MS);
    for (const { batch } of payloads)
      if (batch.messages.length > 0)
        this.history.fetched(batch.partition, batch.messages[0].offset, batch.highWatermark);
    const size = this.options.maxMessagesPerTransaction ?? 500;
    const cursors = payloads.map((payload) => ({ payload, next: 0 }));
    for (;;) {
      const open = cursors.filter(
        ({ payload, next }) =>
          next < payload.batch.messages.length && payload.isRunning() && !payload.isStale(),
      );
      if (open.length === 0) return;
      const slices: Slice[] = [];
      let room = size;
      for (const cursor of open) {
        if (room === 0) break;
        const messages = cursor.payload.batch.messages.slice(cursor.next, cursor.next + room);
        slices.push({ partition: cursor.payload.batch.partition, messages });
        room -= messages.length;
      }
      // A slow transaction must not look like a dead member: keep heartbeating while it runs.
      const { heartbeat } = open[0].payload;
      const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), 1_000);
      let applied: Map<number, number>;
      let newest: Map<number, string | null>;
      try {
        ({ applied, newest } = await this.applyChunk(payloads[0].batch.topic, slices));
      } finally {
        clearInterval(keepAlive);
      }
      slices.forEach((slice, i) => {
        const { payload } = open[i];
        const last = slice.messages[slice.messages.length - 1].offset;
        payload.resolveOffset(last);
        open[i].next += slice.messages.length;
        const next = BigInt(last) + 1n;
        this.offsets.applied(slice.partition, next);
        this.history.applied(slice.partition, next);
        this.lagView.chunkApplied(slice.partition, next, newest.get(slice.partition) ?? null);
        this.track(
          slice.partition,
          next,
          BigInt(payload.batch.highWatermark),
          slice.messages.length,
          applied.get(slice.partition) ?? 0,
        );
      });
      await heartbeat();
    }
  }

  /** Returns the number of events newly applied, and the newest event's time, per partition. */
  private async applyChunk(
    topic: string,
    slices: Slice[],
  ): Promise<{ applied: Map<number, number>; newest: Map<number, string | null> }> {
    const decoded: EventEnvelope[] = [];
    const letters: DeadLetter[] = [];
    const partitionOf = new Map<string, number>();
    const progress: PartitionProgress[] = [];
    const spans = ProcessSpans.start(topic, this.options.groupId, this.options.projector, slices);
    const positions = spans && new Map<EventEnvelope, { partition: number; offset: string }>();
    for (const { partition, messages } of slices) {
      let newestEventAt: string | null = null;
      for (const message of messages) {
        try {
          const event = decodeEvent(message.value);
          decoded.push(event);
          partitionOf.set(event.streamId, partition);
          newestEventAt = event.occurredAt;
          positions?.set(event, { partition, offset: message.offset });
        } catch (error) {
          letters.push({ topic, partition, message, error: error as Error });
          spans?.deadLettered(partition, message.offset, error as Error);
        }
      }
      const nextOffset = BigInt(messages[messages.length - 1].offset) + 1n;
      progress.push({ partition, nextOffset, newestEventAt });
    }
    // Published before the transaction: a crash in between dead-letters the message twice on replay
    // (at least once), which a re-drive tolerates because application is idempotent.
    await this.deadLetters.publish(letters);
    if (letters.length > 0) {
      this.metrics.deadLettered.inc({ group: this.options.groupId, topic }, letters.length);
      this.options.logger.warn(
        { count: letters.length, offsets: letters.map((l) => `${l.partition}:${l.message.offset}`) },
        'dead-lettered',
      );
    }
    let outcome: { fresh: EventEnvelope[]; parked: number };
    try {
      outcome = await this.applyInOneTransaction(decoded, progress);
    } catch (error) {
      spans?.failed(error);
      throw error;
    }
    const { fresh, parked } = outcome;
    if (spans && positions) spans.committed(positions, fresh);
    if (parked > 0) {
      this.metrics.parked.inc({ group: this.options.groupId, topic }, parked);
      this.options.logger.warn({ count: parked }, 'events ahead of their stream parked');
    }
    const applied = new Map<number, number>();
    for (const event of fresh) {
      const partition = partitionOf.get(event.streamId) as number;
      applied.set(partition, (applied.get(partition) ?? 0) + 1);
    }
    return { applied, newest: new Map(progress.map((p) => [p.partition, p.newestEventAt])) };
  }

  private async applyInOneTransaction(
    events: EventEnvelope[],
    progress: PartitionProgress[],
  ): Promise<{ fresh: EventEnvelope[]; parked: number }> {
    const { dataSource, projector, projections, groupId, topic } = this.options;
    const record = this.options.recordProgress ?? true;
    if (events.length === 0 && !record) return { fresh: [], parked: 0 };
    // In partition order: two replicas briefly sharing partitions during a rebalance lock the rows
    // in the same order.
    const sorted = [...progress].sort((a, b) => a.partition - b.partition);
    const selection = await applyInOneTransaction(
      dataSource,
      projector,
      projections,
      events,
      record ? (tx) => savePartitionProgress(tx, groupId, topic, sorted) : undefined,
    );
    this.applied += selection.fresh.length;
    this.metrics.applied.inc(
      { group: this.options.groupId, topic: this.options.topic },
      selection.fresh.length,
    );
    const now = Date.now();
    const delay = this.metrics.applyDelay.labels({ group: groupId });
    for (const event of selection.fresh)
      delay.observe(Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
    return { fresh: selection.fresh, parked: selection.parked.length };
  }

  private track(partition: number, next: bigint, highWatermark: bigint, messages: number, applied: number) {
    const lag = Number(highWatermark > next ? highWatermark - next : 0n);
    this.partitions.set(partition, { position: next.toString(), lag });
    this.options.onChunk?.({ partition, messages, applied, nextOffset: next, highWatermark });
  }
}
