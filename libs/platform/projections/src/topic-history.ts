import { REPUBLISH_FIX, type KafkaLogger } from '@tally/messaging';
import type { Admin } from 'kafkajs';
import { Counter, register } from 'prom-client';

/** The command that refills the topic from the event store (named in logs and readiness). */

export interface HistoryLoss {
  partition: number;
  /**
   * `truncated`: the partition's start passed messages this replica had not applied (deleteRecords,
   * retention); `replaced`: the partition now ends before where this replica had read (the topic was
   * deleted, or deleted and recreated), so whatever it had not applied yet is gone too; `reset`: the
   * group's committed position was out of range when the partition was assigned, and Kafka's client
   * moved it to the partition's start (it commits -2 to say so) - either of the above, found late.
   */
  kind: 'truncated' | 'replaced' | 'reset';
  /** The next offset this replica was to read (unknown after a reset). */
  expectedOffset: string | null;
  /** Where the partition starts (truncated, reset) or ends (replaced) now. */
  foundOffset: string;
  detectedAt: string;
}

const MAX_REMEMBERED = 20;

/** What kafkajs commits for a partition whose position it found out of range and reset. */
const RESET_TO_EARLIEST = -2n;

const lostCounter = (): Counter =>
  (register.getSingleMetric('tally_topic_history_lost_total') as Counter | undefined) ??
  new Counter({
    name: 'tally_topic_history_lost_total',
    help:
      'Times a partition of the topic was found to have lost messages this replica had not applied ' +
      '(kind: truncated or replaced); the fix is `npm run republish`',
    labelNames: ['group', 'topic', 'partition', 'kind'],
  });

/**
 * Notices when the topic no longer holds messages this replica still had to apply. Kafka never moves
 * a consumer past a gap on its own terms: an out-of-range position is silently reset to the
 * partition's start, so without this the events in between would just never be applied. It watches
 * three ways: the group's committed offsets against the partitions' bounds when partitions are
 * assigned, every fetched batch against the next offset expected, and (from the readiness check) the
 * positions against the bounds while nothing is fetched.
 */
export class TopicHistoryWatch {
  private readonly expected = new Map<number, bigint>();
  private readonly losses: HistoryLoss[] = [];
  /** Resets already reported: -2 stays committed until something is applied, across rejoins. */
  private readonly resets = new Set<string>();
  private readonly counter = lostCounter();

  constructor(
    private readonly options: {
      topic: string;
      groupId: string;
      admin: () => Promise<Admin>;
      logger: KafkaLogger;
    },
  ) {}

  /** Losses noticed since this process started (the latest few). */
  get lost(): readonly HistoryLoss[] {
    return this.losses;
  }

  /**
   * Partitions (re)assigned: fetching resumes at the group's committed offsets. A partition this
   * process has already read keeps its expectation when nothing is committed any more (Kafka drops a
   * group's offsets with a deleted topic): that is how a recreated topic shows.
   */
  async assigned(partitions: number[]): Promise<void> {
    const owned = new Set(partitions);
    for (const partition of [...this.expected.keys()])
      if (!owned.has(partition)) this.expected.delete(partition);
    if (partitions.length === 0) return;
    const { topic, groupId } = this.options;
    const admin = await this.options.admin();
    const [[committed], bounds] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    const starts = new Map(bounds.map((b) => [b.partition, BigInt(b.low)]));
    for (const { partition, offset } of committed.partitions) {
      if (!owned.has(partition)) continue;
      const known = this.expected.get(partition);
      // -1: nothing committed (a new group, or Kafka dropped the offsets with a deleted topic).
      if (BigInt(offset) >= 0n && (known === undefined || BigInt(offset) > known))
        this.expected.set(partition, BigInt(offset));
      // The client got there first (it fetches as soon as it has joined).
      else if (BigInt(offset) === RESET_TO_EARLIEST) {
        const start = starts.get(partition) ?? 0n;
        if (this.resets.has(`${partition}@${start}`)) continue;
        this.resets.add(`${partition}@${start}`);
        this.report(partition, 'reset', undefined, start);
      }
    }
    this.compareWithBounds(bounds);
  }

  /** A fetched batch of `partition` starts at `firstOffset`; the partition ends at `highWatermark`. */
  fetched(partition: number, firstOffset: string, highWatermark: string): void {
    const expected = this.expected.get(partition);
    if (expected === undefined) return;
    if (BigInt(firstOffset) > expected) this.report(partition, 'truncated', expected, BigInt(firstOffset));
    else if (BigInt(highWatermark) < expected)
      this.report(partition, 'replaced', expected, BigInt(highWatermark));
  }

  /** Everything before `nextOffset` on the partition is applied. */
  applied(partition: number, nextOffset: bigint): void {
    this.expected.set(partition, nextOffset);
  }

  forget(partition: number): void {
    this.expected.delete(partition);
  }

  /** Compares the positions with the partitions' current bounds (a topic that is gone has none). */
  async check(): Promise<void> {
    if (this.expected.size === 0) return;
    const admin = await this.options.admin();
    let bounds: { partition: number; low: string; high: string }[];
    try {
      bounds = await admin.fetchTopicOffsets(this.options.topic);
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      bounds = [];
    }
    this.compareWithBounds(bounds);
  }

  private compareWithBounds(bounds: { partition: number; low: string; high: string }[]): void {
    const byPartition = new Map(bounds.map((b) => [b.partition, b]));
    for (const [partition, expected] of [...this.expected]) {
      const { low, high } = byPartition.get(partition) ?? { low: '0', high: '0' };
      if (BigInt(high) < expected) this.report(partition, 'replaced', expected, BigInt(high));
      else if (BigInt(low) > expected) this.report(partition, 'truncated', expected, BigInt(low));
    }
  }

  private report(
    partition: number,
    kind: HistoryLoss['kind'],
    expected: bigint | undefined,
    found: bigint,
  ): void {
    // Reported once: from here on, expect what Kafka resumes with (its reset, or the next batch).
    if (kind === 'replaced') this.expected.delete(partition);
    else this.expected.set(partition, found);
    const loss: HistoryLoss = {
      partition,
      kind,
      expectedOffset: expected?.toString() ?? null,
      foundOffset: found.toString(),
      detectedAt: new Date().toISOString(),
    };
    this.losses.push(loss);
    if (this.losses.length > MAX_REMEMBERED) this.losses.shift();
    const { topic, groupId } = this.options;
    this.counter.inc({ group: groupId, topic, partition: String(partition), kind });
    const what = {
      truncated: `starts at offset ${found} although this replica had applied only up to ${expected}`,
      replaced: `ends at offset ${found} although this replica had read up to ${expected} (deleted or recreated)`,
      reset: `no longer held this group's position (the client reset it to offset ${found})`,
    }[kind];
    this.options.logger.error(
      { topic, groupId, topicHistoryLoss: loss, fix: REPUBLISH_FIX },
      `partition ${partition} of ${topic} ${what}: events in between may never be applied; ` +
        `run \`${REPUBLISH_FIX}\` (or --from a time before the lost events) to refill the topic from the event store`,
    );
  }
}
