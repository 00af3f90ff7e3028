import type { KafkaLogger } from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Projection } from '../projection';
import { type ChunkProgress, ProjectionConsumer } from '../projection-consumer';
import { canBulkLoad } from './bulk-load';
import { bulkReplay } from './bulk-replay';
import { CopyWriter } from './copy-writer';
import { ShadowLoader } from './shadow-loader';
import { createShadowTables, indexShadowTables, projectionTables, swapInShadowTables } from './shadow-tables';

export type { BulkLoad, BulkLoadable, BulkTarget, CopyValue, RowSink } from './bulk-load';

const DEADLOCK_DETECTED = '40P01';
const LOCK_NOT_AVAILABLE = '55P03';

export interface RebuildOptions {
  kafka: Kafka;
  topic: string;
  databaseUrl: string;
  /** The live projector: the rebuilt positions are kept under the same name, so they carry over. */
  projector: string;
  /** A fresh consumer group that reads the topic from its beginning. */
  groupId: string;
  /** Suffix of the shadow and retired schemas, e.g. a timestamp. */
  label: string;
  /** The read tables the projections write (the runtime's own tables are added). */
  tables: string[];
  entities: DataSourceOptions['entities'];
  projections: () => Projection[];
  logger: KafkaLogger;
  /** Keep the replaced tables in schema `retired_<label>` instead of dropping them. */
  keepOld?: boolean;
  onProgress?(progress: RebuildProgress): void;
  /** Give up if the swap has not succeeded this long after catching up. */
  swapTimeoutMs?: number;
}

export interface RebuildProgress {
  /** Messages read so far, and messages on the topic (grows while writes continue). */
  done: number;
  total: number;
  applied: number;
  phase: 'catching-up' | 'indexing' | 'swapping' | 'done';
}

export interface RebuildResult {
  messages: number;
  applied: number;
  retiredSchema?: string;
}

/**
 * Rebuilds the read models from the beginning of the topic into shadow tables (schema
 * `rebuild_<label>`) with its own consumer group, while the live tables keep serving and being
 * updated; once caught up, swaps the shadow tables in atomically (see swapInShadowTables).
 * Requires the topic to retain every event (retention.ms=-1), as the event store's mirror.
 *
 * When every projection offers a bulk load, the topic as it was at the start is first replayed in
 * bulk (see ShadowLoader: folded in memory, streamed in with COPY, keys and indexes built after)
 * and the group's offsets are committed where that replay stopped. If the live tables have not
 * applied anything newer meanwhile, the swap happens right away; otherwise the live consumer's
 * exactly-once path takes over from those offsets until the shadow tables have caught up.
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  const shadow = `rebuild_${options.label}`;
  const retired = `retired_${options.label}`;
  const tables = [...projectionTables, ...options.tables];
  const pool = new Pool({ connectionString: options.databaseUrl, max: 2 });
  const admin = options.kafka.admin();
  let dataSource: DataSource | undefined;
  let consumer: ProjectionConsumer | undefined;
  let swapped = false;
  try {
    await admin.connect();
    const start = await admin.fetchTopicOffsets(options.topic);
    const low = new Map(start.map((p) => [p.partition, BigInt(p.low)]));
    const high = new Map(start.map((p) => [p.partition, BigInt(p.high)]));
    const position = new Map(low);
    const total = () => [...high].reduce((sum, [p, h]) => sum + Number(h - (low.get(p) ?? 0n)), 0);
    const target = new Map(high); // caught up = every partition read up to where it ended at the start
    let done = 0;
    let applied = 0;
    const report = (phase: RebuildProgress['phase']) =>
      options.onProgress?.({ done, total: Math.max(total(), done), applied, phase });
    /** Progress of either replay path (bulk batches, then the consumer's chunks). */
    const progressed = (progress: ChunkProgress) => {
      done += progress.messages;
      applied += progress.applied;
      position.set(progress.partition, progress.nextOffset);
      if (progress.highWatermark > (high.get(progress.partition) ?? 0n))
        high.set(progress.partition, progress.highWatermark);
      report('catching-up');
    };

    const ddl = await pool.connect();
    try {
      await createShadowTables(ddl, shadow, tables);
    } finally {
      ddl.release();
    }
    const bulk = options.projections();
    const bulkLoadable = bulk.every(canBulkLoad);
    if (bulkLoadable) {
      const writer = new CopyWriter(pool, shadow);
      const loader = new ShadowLoader(options.projector, bulk, writer);
      await bulkReplay({
        kafka: options.kafka,
        topic: options.topic,
        groupId: options.groupId,
        loader,
        drained: () => writer.drained(),
        settle: async () => {
          loader.finish();
          await writer.end();
        },
        from: low,
        until: target,
        logger: options.logger,
        onBatch: progressed,
      });
    }
    report('indexing');
    const indexer = await pool.connect();
    try {
      await indexShadowTables(indexer, shadow, tables);
    } finally {
      indexer.release();
    }
    const trySwap = async (): Promise<boolean> => {
      const db = await pool.connect();
      try {
        const outcome = await swapInShadowTables(db, {
          schema: shadow,
          retiredSchema: retired,
          tables,
          projector: options.projector,
        }).catch((error: { code?: string }) => {
          // The swap locks every table at once; a reader or the live consumer locking them in
          // another order can deadlock it (or outwait its lock timeout). It rolled back whole: retry.
          if (error.code === DEADLOCK_DETECTED || error.code === LOCK_NOT_AVAILABLE)
            return { swapped: false };
          throw error;
        });
        if (!outcome.swapped)
          options.logger.info(
            { streamsBehind: 'streamsBehind' in outcome ? outcome.streamsBehind : undefined },
            'rebuild not caught up with live yet, or the swap met a lock conflict',
          );
        return outcome.swapped;
      } finally {
        db.release();
      }
    };

    // After a bulk load the shadow tables are usually already as far as the live ones (nothing was
    // written meanwhile, or the live consumer is not further yet): one attempt then does it.
    if (bulkLoadable) {
      report('swapping');
      swapped = await trySwap();
    }
    if (!swapped) {
      dataSource = new DataSource({
        type: 'postgres',
        url: options.databaseUrl,
        entities: options.entities,
        synchronize: false,
        // Failures surface through the consumer; the one expected failure (its first statement after
        // the swap, when its tables have moved) would only be noise.
        logging: false,
        // Unqualified names resolve to the shadow tables only: nothing can write to the live ones.
        extra: { max: 4, options: `-c search_path=${shadow}` },
      });
      await dataSource.initialize();
      let fatal: Error | undefined;
      consumer = new ProjectionConsumer({
        kafka: options.kafka,
        topic: options.topic,
        groupId: options.groupId,
        projector: options.projector,
        dataSource,
        projections: options.projections(),
        logger: options.logger,
        maxMessagesPerTransaction: 2_000,
        onFatal: (error) => (fatal = error),
        onChunk: progressed,
      });
      await consumer.start();
      report('catching-up');
      const caughtUp = () => [...target].every(([p, end]) => (position.get(p) ?? 0n) >= end);
      while (!caughtUp()) {
        if (fatal) throw fatal;
        await sleep(100);
      }

      report('swapping');
      const giveUpAt = Date.now() + (options.swapTimeoutMs ?? 60_000);
      for (;;) {
        if (fatal) throw fatal;
        if (await trySwap()) break;
        if (Date.now() > giveUpAt) throw new Error('rebuild could not catch up with the live tables in time');
        await sleep(200);
      }
    }
    swapped = true;
    report('done');
    return { messages: done, applied, retiredSchema: options.keepOld ? retired : undefined };
  } finally {
    // After a swap the shadow schema is empty and this consumer's next statement fails harmlessly
    // (its tables moved); stop it before cleaning up.
    await consumer?.stop().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await pool
      .query(swapped ? `DROP SCHEMA IF EXISTS ${shadow}` : `DROP SCHEMA IF EXISTS ${shadow} CASCADE`)
      .catch(() => undefined);
    if (swapped && !options.keepOld) await pool.query(`DROP SCHEMA IF EXISTS ${retired} CASCADE`);
    await pool.end();
    await admin.deleteGroups([options.groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
