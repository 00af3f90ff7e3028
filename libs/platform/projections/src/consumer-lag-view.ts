import type { Admin } from 'kafkajs';

/** One owned partition as seen when /metrics is scraped. */
export interface LagReading {
  partition: number;
  /** Next offset to apply on the partition (this replica's position, else the group's committed offset). */
  position: bigint;
  /** Messages on the partition not applied yet: its end now minus `position`. */
  lag: number;
  /**
   * 0 when caught up; when behind, seconds since the newest applied event occurred (an upper bound
   * that grows while nothing is applied); null when behind with no event applied yet to measure from.
   */
  freshnessSeconds: number | null;
}

export interface ConsumerLagViewOptions {
  topic: string;
  groupId: string;
  admin: () => Promise<Admin>;
  /** Newest applied event time per partition, as recorded in the read database (`projection_progress`). */
  recordedEventTimes: () => Promise<Map<number, Date | null>>;
  /** How long a reading of the topic's ends is reused (scrapes and readiness probes in a burst). */
  cacheMs?: number;
  /** A broker slower than this keeps the previous ends: /metrics must answer. */
  timeoutMs?: number;
}

interface BrokerReading {
  at: number;
  ends: Map<number, bigint>;
  committed: Map<number, bigint>;
}

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  return Promise.race([
    work,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
};

/**
 * Lag computed when asked, not when a chunk was last applied: the partitions' ends are read from the
 * broker (cached for a moment), and compared with what this replica has applied. So a consumer that
 * stalls (a hung transaction, a paused process that resumes) shows its lag growing at the next scrape
 * instead of its last, low figure. Partitions owned but not applied since the assignment count from
 * the group's committed offset.
 */
export class ConsumerLagView {
  private owned = new Set<number>();
  private readonly applied = new Map<number, { next: bigint; newestEventAt: number | null }>();
  private broker?: BrokerReading;
  private reading?: Promise<BrokerReading | undefined>;

  constructor(private readonly options: ConsumerLagViewOptions) {}

  /** The partitions this replica owns now (after a rebalance). */
  assigned(partitions: number[]): void {
    this.owned = new Set(partitions);
    for (const partition of [...this.applied.keys()])
      if (!this.owned.has(partition)) this.applied.delete(partition);
    // The committed offsets of newly owned partitions matter now.
    this.broker = undefined;
  }

  /** A chunk committed: everything before `next` is applied; `newestEventAt` its newest event's time. */
  chunkApplied(partition: number, next: bigint, newestEventAt: string | null): void {
    const before = this.applied.get(partition);
    this.applied.set(partition, {
      next,
      newestEventAt: newestEventAt ? Date.parse(newestEventAt) : (before?.newestEventAt ?? null),
    });
  }

  /** Owned partitions with their lag and freshness now; empty while the broker has never answered. */
  async read(now = Date.now()): Promise<LagReading[]> {
    const broker = await this.brokerReading(now);
    if (!broker) return [];
    const readings: LagReading[] = [];
    let missingTimes = false;
    for (const partition of [...this.owned].sort((a, b) => a - b)) {
      const end = broker.ends.get(partition);
      const position = this.applied.get(partition)?.next ?? broker.committed.get(partition) ?? 0n;
      if (end === undefined) continue;
      const lag = Number(end > position ? end - position : 0n);
      const newest = this.applied.get(partition)?.newestEventAt ?? null;
      if (lag > 0 && newest === null) missingTimes = true;
      readings.push({
        partition,
        position,
        lag,
        freshnessSeconds: lag === 0 ? 0 : newest === null ? null : Math.max(0, (now - newest) / 1000),
      });
    }
    if (missingTimes) await this.fillFromRecord(readings, now);
    return readings;
  }

  /** Behind on a partition with nothing applied since it was assigned: the read database knows more. */
  private async fillFromRecord(readings: LagReading[], now: number): Promise<void> {
    const recorded = await this.options.recordedEventTimes().catch(() => new Map<number, Date | null>());
    for (const reading of readings) {
      const time = recorded.get(reading.partition);
      if (reading.freshnessSeconds === null && time)
        reading.freshnessSeconds = Math.max(0, (now - time.getTime()) / 1000);
    }
  }

  private async brokerReading(now: number): Promise<BrokerReading | undefined> {
    const age = now - (this.broker?.at ?? 0);
    if (this.broker && age >= 0 && age < (this.options.cacheMs ?? 2_000)) return this.broker;
    this.reading ??= this.fetchBroker(now)
      .then((fresh) => (this.broker = fresh))
      // Kafka unreachable: the last ends known (positions stay current); nothing before the first.
      .catch(() => this.broker)
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async fetchBroker(now: number): Promise<BrokerReading> {
    const { topic, groupId } = this.options;
    const timeout = this.options.timeoutMs ?? 2_000;
    const admin = await withTimeout(this.options.admin(), timeout);
    const [offsets, [committed]] = await withTimeout(
      Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]),
      timeout,
    );
    return {
      at: now,
      ends: new Map(offsets.map((p) => [p.partition, BigInt(p.high)])),
      committed: new Map(
        (committed?.partitions ?? [])
          .filter((p) => BigInt(p.offset) >= 0n)
          .map((p) => [p.partition, BigInt(p.offset)]),
      ),
    };
  }
}
