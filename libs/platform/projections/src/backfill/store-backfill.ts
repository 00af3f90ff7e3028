import { EventLog } from '@tally/event-log';
import type { KafkaLogger } from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { Client, Pool } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { Projection } from '../projection';
import { rebuildReadModels } from '../rebuild/read-model-rebuild';
import { startNewGroupAt } from '../rebuild/topic-handover';

export interface StoreBackfillOptions {
  kafka: Kafka;
  topic: string;
  /** The live group, which starts on the topic where the backfill's history ends if it is new. */
  groupId: string;
  projector: string;
  projections: () => Projection[];
  tables: string[];
  entities: DataSourceOptions['entities'];
  /** The read database as its owner: a backfill creates and swaps tables. */
  databaseUrl: string;
  /** The event store, read only (SELECT on `events`). */
  eventStoreDatabaseUrl: string;
  logger: KafkaLogger;
}

export type BackfillState =
  'waiting-for-lock' | 'checking' | 'replaying' | 'catching-up' | 'indexing' | 'swapping' | 'done';

export interface BackfillStatus {
  state: BackfillState;
  /** Events replayed from the store so far, and the store's readable head when the replay began. */
  replayedEvents: number;
  storeEvents: number;
}

const UNDEFINED_TABLE = '42P01';
const INVALID_CATALOG_NAME = '3D000';

/** Leftovers of a backfill that died (kill -9) are dropped by the next one, under the same lock. */
const SCHEMA_PREFIX = 'backfill_';

/**
 * Before a replica serves, fills its read tables from the event store when they lack history: a new
 * replica set (its own read database and group: nothing applied yet) or a projection added since
 * they were built (missing from `projection_catalog`). The fill is a rebuild from the store (shadow
 * tables, swapped in), so the topic only has to hold what is published from then on; a new group
 * then starts on the topic where the replay's history ends. One instance of a replica set backfills
 * (an advisory lock on the read database); the others wait for it, then find nothing to do.
 */
export class StoreBackfill {
  private current: BackfillStatus = { state: 'waiting-for-lock', replayedEvents: 0, storeEvents: 0 };

  constructor(private readonly options: StoreBackfillOptions) {}

  get status(): BackfillStatus {
    return { ...this.current };
  }

  get done(): boolean {
    return this.current.state === 'done';
  }

  /** For readiness: how far it is, in words. */
  describe(): string {
    const { state, replayedEvents, storeEvents } = this.current;
    if (state === 'waiting-for-lock') return 'waiting for another instance to backfill this read database';
    if (state === 'checking') return 'checking whether the read tables need a backfill from the event store';
    return `backfilling from the event store (${state}): ${replayedEvents} of ${storeEvents} events replayed`;
  }

  async run(): Promise<void> {
    const lock = new Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 5_000 });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`backfill:${this.options.projector}`]);
      this.current.state = 'checking';
      await this.dropLeftovers(lock);
      const missing = await this.missingHistory(lock);
      // A backfill records the catalog with its swap; with nothing to replay, it is recorded here.
      if (!missing || !(await this.backfill(missing))) await this.recordCatalog(lock);
      this.current.state = 'done';
    } finally {
      await lock.end(); // releases the advisory lock with the session
    }
  }

  /** Why the read tables need the store's history, or undefined if they do not. */
  private async missingHistory(db: Client): Promise<string | undefined> {
    const { projector } = this.options;
    const [{ applied }] = (
      await db.query('SELECT EXISTS (SELECT FROM stream_positions WHERE projector = $1) AS applied', [
        projector,
      ])
    ).rows;
    const built = new Set(
      (
        await db.query('SELECT projection FROM projection_catalog WHERE projector = $1', [projector])
      ).rows.map((row: { projection: string }) => row.projection),
    );
    if (!applied) return 'nothing applied yet';
    // Tables built before the catalog existed: take them as holding every current projection.
    if (built.size === 0) return undefined;
    const added = this.names().filter((name) => !built.has(name));
    return added.length > 0 ? `projections added: ${added.join(', ')}` : undefined;
  }

  /** Resolves with whether there was anything to replay. */
  private async backfill(reason: string): Promise<boolean> {
    const store = new Pool({ connectionString: this.options.eventStoreDatabaseUrl, max: 1 });
    try {
      const head = await new EventLog(store).readableHead().catch((error: { code?: string }) => {
        // A write side that has not created its database or tables yet has no history either.
        if (error.code === UNDEFINED_TABLE || error.code === INVALID_CATALOG_NAME) return { events: 0 };
        throw error;
      });
      this.current.storeEvents = head.events;
      if (head.events === 0) return false;
    } finally {
      await store.end();
    }
    const { logger } = this.options;
    const label = `${SCHEMA_PREFIX}${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
    logger.warn(
      { reason, storeEvents: this.current.storeEvents },
      'backfilling the read tables from the event store',
    );
    const result = await rebuildReadModels({
      kafka: this.options.kafka,
      topic: this.options.topic,
      databaseUrl: this.options.databaseUrl,
      projector: this.options.projector,
      groupId: `${this.options.groupId}-${label}`,
      label,
      tables: this.options.tables,
      entities: this.options.entities,
      projections: this.options.projections,
      logger,
      eventStore: { databaseUrl: this.options.eventStoreDatabaseUrl },
      onProgress: (progress) => {
        this.current.state = progress.phase === 'done' ? 'swapping' : progress.phase;
        if (progress.source === 'store' && progress.phase === 'replaying') {
          this.current.replayedEvents = progress.done;
          this.current.storeEvents = Math.max(this.current.storeEvents, progress.total);
        }
      },
    });
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const started = await startNewGroupAt(
        this.options.kafka,
        admin,
        this.options.groupId,
        this.options.topic,
        result.handover,
      );
      logger.info(
        { applied: result.applied, groupStartsAtHandover: started },
        'backfilled the read tables from the event store',
      );
    } finally {
      await admin.disconnect();
    }
    return true;
  }

  private async recordCatalog(db: Client): Promise<void> {
    await db.query(
      `INSERT INTO projection_catalog (projector, projection) SELECT $1, unnest($2::text[])
       ON CONFLICT (projector, projection) DO NOTHING`,
      [this.options.projector, this.names()],
    );
  }

  private async dropLeftovers(db: Client): Promise<void> {
    const { rows } = await db.query(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_${SCHEMA_PREFIX}%'`,
    );
    for (const { nspname } of rows as { nspname: string }[])
      if (/^[a-z0-9_]+$/.test(nspname)) await db.query(`DROP SCHEMA ${nspname} CASCADE`);
  }

  private names(): string[] {
    return this.options.projections().map((projection) => projection.name);
  }
}
