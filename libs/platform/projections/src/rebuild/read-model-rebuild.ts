import type { EventEnvelope } from '@tally/contracts';
import { EventLog, type ReadableHead } from '@tally/event-log';
import type { KafkaLogger } from '@tally/messaging';
import type { Admin, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { applyInOneTransaction } from '../apply-events';
import type { Projection } from '../projection';
import { type ChunkProgress, ProjectionConsumer } from '../projection-consumer';
import { canBulkLoad } from './bulk-load';
import { bulkReplay } from './bulk-replay';
import { CopyWriter } from './copy-writer';
import { ShadowLoader } from './shadow-loader';
import { createShadowTables, indexShadowTables, projectionTables, swapInShadowTables } from './shadow-tables';
import { startNewGroupAt, topicEnd, type TopicOffsets } from './topic-handover';

export type { BulkLoad, BulkLoadable, BulkTarget, CopyValue, RowSink } from './bulk-load';

const DEADLOCK_DETECTED = '40P01';
const LOCK_NOT_AVAILABLE = '55P03';
/** Events per read of the store: large enough that round trips do not count, small enough to pipeline. */
const STORE_BATCH = 5_000;

export interface RebuildOptions {
  kafka: Kafka;
  topic: string;
  databaseUrl: string;
  /** The live projector: the rebuilt positions are kept under the same name, so they carry over. */
  projector: string;
  /** A fresh consumer group of the rebuild's own: it takes over from the replay, then is deleted. */
  groupId: string;
  /** Suffix of the shadow and retired schemas, e.g. a timestamp. */
  label: string;
  /** The read tables the projections write (the runtime's own tables are added). */
  tables: string[];
  entities: DataSourceOptions['entities'];
  projections: () => Projection[];
  logger: KafkaLogger;
  /**
   * Replay the event store (read with SELECT on `events` only) rather than the topic from its
   * beginning. The topic then only has to hold what is published from the start of the rebuild on.
   */
  eventStore?: { databaseUrl: string; batchSize?: number };
  /** Keep the replaced tables in schema `retired_<label>` instead of dropping them. */
  keepOld?: boolean;
  onProgress?(progress: RebuildProgress): void;
  /** Give up if the swap has not succeeded this long after catching up. */
  swapTimeoutMs?: number;
  /**
   * Cancels the rebuild: it stops at its next step (a batch, a swap attempt; an index build in
   * progress finishes first), drops the shadow schema and deletes its group, and rejects with the
   * signal's reason. The live tables are untouched. Once swapped in, it is done: too late to cancel.
   */
  signal?: AbortSignal;
}

export interface RebuildProgress {
  source: 'store' | 'topic';
  /** Events (store) or messages (topic) read so far, and how many there are (grows while writes continue). */
  done: number;
  total: number;
  applied: number;
  phase: 'replaying' | 'catching-up' | 'indexing' | 'swapping' | 'done';
}

export interface RebuildResult {
  /** Events and messages read: the replay's, then the topic's while catching up. */
  messages: number;
  applied: number;
  /** Where the topic took over from the replay: a live group without offsets may start there too. */
  handover: TopicOffsets;
  retiredSchema?: string;
}

/**
 * Rebuilds the read models into shadow tables (schema `rebuild_<label>`) while the live tables keep
 * serving and being updated, then swaps them in atomically (see swapInShadowTables). One method per
 * phase, in the order `run` calls them:
 *
 * 1. `prepare`: note where the topic ends (the handover point) and, replaying the store, the store's
 *    readable head; create the bare shadow tables.
 * 2. `replay`: the history into the shadow tables. From the store: its events up to that head, in the
 *    gap-safe global order. From the topic: its messages up to where it ended at the start. In bulk
 *    when every projection offers it (folded in memory, streamed in with COPY, keys and indexes built
 *    after), else through the exactly-once transactions.
 * 3. `swapWhenCaughtUp`: if the live tables applied nothing newer meanwhile, swap at once; otherwise
 *    `catchUpFromTopic` hands over to the topic where the replay's history ends, and the live
 *    consumer's exactly-once path applies it to the shadow tables until they have caught up with the
 *    live ones; then swap. Stream positions make any overlap a no-op.
 * 4. `cleanUp`: the shadow (or retired) schema and the group go, whatever happened.
 */
export class ReadModelRebuild {
  private readonly shadow: string;
  private readonly retired: string;
  private readonly tables: string[];
  private readonly pool: Pool;
  private readonly admin: Admin;
  private readonly storePool?: Pool;
  private readonly bulk: boolean;
  private dataSource?: DataSource;
  private consumer?: ProjectionConsumer;
  private fatal?: Error;
  private swapped = false;
  /** The topic's offsets at the start; the consumer's progress since. */
  private low: TopicOffsets = new Map();
  private high: TopicOffsets = new Map();
  private readonly position: TopicOffsets = new Map();
  /** Caught up = every partition read up to here. */
  private target: TopicOffsets = new Map();
  private head?: ReadableHead;
  private done = 0;
  private applied = 0;

  constructor(private readonly options: RebuildOptions) {
    this.shadow = `rebuild_${options.label}`;
    this.retired = `retired_${options.label}`;
    this.tables = [...projectionTables, ...options.tables];
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 2 });
    this.admin = options.kafka.admin();
    if (options.eventStore)
      this.storePool = new Pool({ connectionString: options.eventStore.databaseUrl, max: 2 });
    this.bulk = options.projections().every(canBulkLoad);
  }

  private get source(): RebuildProgress['source'] {
    return this.storePool ? 'store' : 'topic';
  }

  async run(): Promise<RebuildResult> {
    try {
      this.checkpoint();
      await this.prepare();
      this.checkpoint();
      await this.replay();
      this.checkpoint();
      await this.swapWhenCaughtUp();
      await this.recordCatalog();
      this.report('done');
      return {
        messages: this.done,
        applied: this.applied,
        handover: new Map(this.target),
        retiredSchema: this.options.keepOld ? this.retired : undefined,
      };
    } finally {
      await this.cleanUp();
    }
  }

  private async prepare(): Promise<void> {
    await this.admin.connect();
    // The topic's end first, then the store's head: see topicEnd.
    ({ low: this.low, high: this.high } = await topicEnd(this.admin, this.options.topic));
    if (this.storePool) this.head = await new EventLog(this.storePool).readableHead();
    // From the store, the topic takes over at its end; from the topic, the replay reads it to there.
    const start = this.storePool ? this.high : this.low;
    for (const [partition, offset] of start) this.position.set(partition, offset);
    this.target = new Map(this.high);
    this.checkpoint();
    const ddl = await this.pool.connect();
    try {
      await createShadowTables(ddl, this.shadow, this.tables);
    } finally {
      ddl.release();
    }
  }

  private async replay(): Promise<void> {
    if (this.bulk) {
      await this.replayInBulk();
      await this.indexShadowTables();
    } else {
      // The exactly-once path upserts: it needs the keys before the first row.
      await this.indexShadowTables();
      if (this.storePool) await this.replayStore((events) => this.applyToShadow(events));
      // From the topic, the consumer replays it from the beginning (swapWhenCaughtUp).
    }
  }

  private async replayInBulk(): Promise<void> {
    const writer = new CopyWriter(this.pool, this.shadow);
    const loader = new ShadowLoader(
      this.options.projector,
      this.options.projections().filter(canBulkLoad),
      writer,
    );
    const settle = async () => {
      loader.finish();
      await writer.end();
    };
    if (this.storePool) {
      await this.replayStore(async (events) => {
        const { applied } = loader.apply(events);
        await writer.drained();
        return applied;
      });
      await settle();
      return;
    }
    // Its consumer commits the group's offsets where it stopped, once `settle` has written the rows.
    await bulkReplay({
      kafka: this.options.kafka,
      topic: this.options.topic,
      groupId: this.options.groupId,
      loader,
      drained: () => writer.drained(),
      settle,
      from: this.low,
      until: this.target,
      logger: this.options.logger,
      onBatch: this.progressed,
      signal: this.options.signal,
    });
  }

  /** The store's events up to the head noted in `prepare`, in the global order, batch by batch. */
  private async replayStore(apply: (events: EventEnvelope[]) => Promise<number>) {
    const head = this.head;
    if (!this.storePool || !head?.position) return;
    const log = new EventLog(this.storePool);
    this.report('replaying');
    for await (const events of log.replay(head.position, this.options.eventStore?.batchSize ?? STORE_BATCH)) {
      this.checkpoint();
      this.applied += await apply(events);
      this.done += events.length;
      this.report('replaying');
    }
  }

  private async applyToShadow(events: EventEnvelope[]): Promise<number> {
    const { fresh } = await applyInOneTransaction(
      await this.shadowDataSource(),
      this.options.projector,
      this.options.projections(),
      events,
    );
    return fresh.length;
  }

  private async indexShadowTables(): Promise<void> {
    this.report('indexing');
    const indexer = await this.pool.connect();
    try {
      await indexShadowTables(indexer, this.shadow, this.tables);
    } finally {
      indexer.release();
    }
  }

  private async swapWhenCaughtUp(): Promise<void> {
    // After a bulk load or a store replay the shadow tables are usually already as far as the live
    // ones (nothing was written meanwhile, or the live consumer is not further yet): one attempt does it.
    if (this.bulk || this.storePool) {
      this.report('swapping');
      if ((this.swapped = await this.trySwap())) return;
    }
    this.checkpoint();
    await this.catchUpFromTopic();
    this.report('swapping');
    const giveUpAt = Date.now() + (this.options.swapTimeoutMs ?? 60_000);
    for (;;) {
      if (this.fatal) throw this.fatal;
      this.checkpoint();
      if ((this.swapped = await this.trySwap())) return;
      if (Date.now() > giveUpAt) throw new Error('rebuild could not catch up with the live tables in time');
      await sleep(200);
    }
  }

  /**
   * The hand-over: the live consumer's exactly-once path, on the shadow tables, with the rebuild's
   * own group. After a store replay the group starts where the topic ended before the store's head
   * was read (see topicEnd); after a bulk replay of the topic, where that replay committed. Returns
   * once it has read as far as the topic reached at the start; it keeps applying until the swap.
   */
  private async catchUpFromTopic(): Promise<void> {
    if (this.storePool)
      await startNewGroupAt(
        this.options.kafka,
        this.admin,
        this.options.groupId,
        this.options.topic,
        this.target,
      );
    this.consumer = new ProjectionConsumer({
      kafka: this.options.kafka,
      topic: this.options.topic,
      groupId: this.options.groupId,
      projector: this.options.projector,
      dataSource: await this.shadowDataSource(),
      projections: this.options.projections(),
      logger: this.options.logger,
      maxMessagesPerTransaction: 2_000,
      onFatal: (error) => (this.fatal = error),
      onChunk: this.progressed,
      // The shadow schema has no projection_progress: the overview follows the live groups only.
      recordProgress: false,
    });
    await this.consumer.start();
    this.report('catching-up');
    const caughtUp = () => [...this.target].every(([p, end]) => (this.position.get(p) ?? 0n) >= end);
    while (!caughtUp()) {
      if (this.fatal) throw this.fatal;
      this.checkpoint();
      await sleep(100);
    }
  }

  /** The swapped-in tables hold every projection of this rebuild (see StoreBackfill). */
  private async recordCatalog(): Promise<void> {
    await this.pool.query(
      `INSERT INTO projection_catalog (projector, projection) SELECT $1, unnest($2::text[])
       ON CONFLICT (projector, projection) DO UPDATE SET built_at = now()`,
      [this.options.projector, this.options.projections().map((projection) => projection.name)],
    );
  }

  private async trySwap(): Promise<boolean> {
    const db = await this.pool.connect();
    try {
      const outcome = await swapInShadowTables(db, {
        schema: this.shadow,
        retiredSchema: this.retired,
        tables: this.tables,
        projector: this.options.projector,
      }).catch((error: { code?: string }) => {
        // The swap locks every table at once; a reader or the live consumer locking them in
        // another order can deadlock it (or outwait its lock timeout). It rolled back whole: retry.
        if (error.code === DEADLOCK_DETECTED || error.code === LOCK_NOT_AVAILABLE) return { swapped: false };
        throw error;
      });
      if (!outcome.swapped)
        this.options.logger.info(
          { behind: 'behind' in outcome ? outcome.behind : undefined },
          'rebuild not caught up with live yet, or the swap met a lock conflict',
        );
      return outcome.swapped;
    } finally {
      db.release();
    }
  }

  private async cleanUp(): Promise<void> {
    // After a swap the shadow schema is empty and the consumer's next statement fails harmlessly
    // (its tables moved); stop it before cleaning up.
    await this.consumer?.stop().catch(() => undefined);
    await this.dataSource?.destroy().catch(() => undefined);
    const { pool, shadow, retired, swapped } = this;
    await pool
      .query(swapped ? `DROP SCHEMA IF EXISTS ${shadow}` : `DROP SCHEMA IF EXISTS ${shadow} CASCADE`)
      .catch(() => undefined);
    if (swapped && !this.options.keepOld) await pool.query(`DROP SCHEMA IF EXISTS ${retired} CASCADE`);
    await pool.end();
    await this.storePool?.end();
    await this.admin.deleteGroups([this.options.groupId]).catch(() => undefined);
    await this.admin.disconnect();
  }

  /** The shadow tables through TypeORM, for the exactly-once path (a store replay without bulk loads, catching up). */
  private async shadowDataSource(): Promise<DataSource> {
    if (this.dataSource) return this.dataSource;
    const dataSource = new DataSource({
      type: 'postgres',
      url: this.options.databaseUrl,
      entities: this.options.entities,
      synchronize: false,
      // Failures surface through the caller; the one expected failure (the consumer's first
      // statement after the swap, when its tables have moved) would only be noise.
      logging: false,
      // Unqualified names resolve to the shadow tables only: nothing can write to the live ones.
      extra: { max: 4, options: `-c search_path=${this.shadow}` },
    });
    this.dataSource = dataSource;
    await dataSource.initialize();
    return dataSource;
  }

  /** Progress of either topic path (bulk batches, then the consumer's chunks). */
  private readonly progressed = (progress: ChunkProgress): void => {
    this.done += progress.messages;
    this.applied += progress.applied;
    this.position.set(progress.partition, progress.nextOffset);
    if (progress.highWatermark > (this.high.get(progress.partition) ?? 0n))
      this.high.set(progress.partition, progress.highWatermark);
    this.report('catching-up');
  };

  /** Stops here if cancelled (see RebuildOptions.signal); `finally` in `run` then cleans up. */
  private checkpoint(): void {
    this.options.signal?.throwIfAborted();
  }

  private report(phase: RebuildProgress['phase']): void {
    const topic = [...this.high].reduce(
      (sum, [p, h]) => sum + Number(h - ((this.storePool ? this.target : this.low).get(p) ?? 0n)),
      0,
    );
    const total = (this.head?.events ?? 0) + topic;
    this.options.onProgress?.({
      source: this.source,
      done: this.done,
      total: Math.max(total, this.done),
      applied: this.applied,
      phase,
    });
  }
}

/** Rebuilds the read models (see ReadModelRebuild). */
export const rebuildReadModels = (options: RebuildOptions): Promise<RebuildResult> =>
  new ReadModelRebuild(options).run();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
