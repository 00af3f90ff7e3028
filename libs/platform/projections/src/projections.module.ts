import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { KAFKA, KAFKA_SETTINGS, nestLogger, type KafkaSettings } from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { StoreBackfill } from './backfill/store-backfill';
import {
  CONSISTENCY_SETTINGS,
  ConsistencyGuard,
  type ConsistencySettings,
} from './consistency/consistency.guard';
import { ConsistencyWaiter } from './consistency/consistency-waiter';
import type { Projection } from './projection';
import { ProjectionConsumer } from './projection-consumer';
import { projectionMetrics, watchStuckStreams } from './projection-metrics';
import { StuckStreams, describeStuck } from './stuck-streams';

const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

const DEFAULT_STUCK_STREAM_AFTER_MS = 60_000;

export interface ProjectionsModuleOptions {
  groupId: string;
  projector: string;
  projections: () => Projection[];
  sessionTimeoutMs: number;
  /** Partitions of one fetch applied together, in one transaction (see ProjectionConsumerOptions). */
  partitionsConsumedConcurrently?: number;
  /** The read database, for the LISTEN connection that wakes reads waiting on a consistency token. */
  databaseUrl: string;
  consistency: ConsistencySettings;
  /**
   * How long a stream's events may wait in `parked_events` for an earlier version before the stream
   * counts as stuck (readiness down, `tally_projection_stuck_streams`) and, with `backfill`'s event
   * store, is healed from the store (default 60 s). See StuckStreams.
   */
  stuckStreamAfterMs?: number;
  /**
   * Fill the read tables from the event store before consuming when they lack history (a new
   * replica set, an added projection): see StoreBackfill. Readiness stays down, with progress, until
   * it is done. Without it, the consumer starts at once.
   */
  backfill?: {
    eventStoreDatabaseUrl: string;
    /** The read database's owner: a backfill creates and swaps tables. */
    ownerDatabaseUrl: string;
    tables: string[];
    entities: DataSourceOptions['entities'];
  };
}

/**
 * Runs the projection consumer for the app's lifetime. If it stops for good, the process exits
 * non-zero (via SIGTERM, so shutdown hooks run) for its supervisor to restart it: a replica never
 * sits silently stopped while still answering reads.
 */
@Injectable()
export class ProjectionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly name = 'projections';
  readonly consumer: ProjectionConsumer;
  readonly backfill?: StoreBackfill;
  readonly stuckStreams: StuckStreams;
  private readonly stuckAfterMs: number;
  private healing?: NodeJS.Timeout;
  private healPass?: Promise<void>;
  private unwatchStuck?: () => void;
  private starting?: Promise<void>;
  private stopping = false;
  private topicCheck?: Promise<unknown>;

  constructor(
    @Inject(OPTIONS) private readonly options: ProjectionsModuleOptions,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    private readonly dataSource: DataSource,
    private readonly waiter: ConsistencyWaiter,
  ) {
    this.consumer = new ProjectionConsumer({
      kafka,
      topic: settings.topic,
      groupId: options.groupId,
      projector: options.projector,
      dataSource,
      projections: options.projections(),
      sessionTimeoutMs: options.sessionTimeoutMs,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      logger: nestLogger('ProjectionConsumer'),
      onFatal: (error) => {
        new Logger('ProjectionConsumer').fatal({ err: error }, 'projection consumer stopped; exiting');
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      },
    });
    if (options.backfill)
      this.backfill = new StoreBackfill({
        kafka,
        topic: settings.topic,
        groupId: options.groupId,
        projector: options.projector,
        projections: options.projections,
        tables: options.backfill.tables,
        entities: options.backfill.entities,
        databaseUrl: options.backfill.ownerDatabaseUrl,
        eventStoreDatabaseUrl: options.backfill.eventStoreDatabaseUrl,
        logger: nestLogger('StoreBackfill'),
      });
    this.stuckAfterMs = options.stuckStreamAfterMs ?? DEFAULT_STUCK_STREAM_AFTER_MS;
    this.stuckStreams = new StuckStreams({
      dataSource,
      projector: options.projector,
      projections: options.projections(),
      stuckAfterMs: this.stuckAfterMs,
      eventStoreDatabaseUrl: options.backfill?.eventStoreDatabaseUrl,
      logger: nestLogger('StuckStreams'),
    });
  }

  /**
   * Readiness details: owned partitions with position and lag, events parked behind a gap, and
   * messages the topic lost before this replica applied them. A lost history is reported, but the
   * replica stays ready: every replica of the group would see the same, and turning them all away
   * would make stale accounts an outage of all of them (read-your-writes still refuses stale reads).
   */
  check = async (): Promise<Record<string, unknown>> => {
    // Down, saying how far it is, until the read tables hold the store's history and the consumer runs.
    if (this.backfill && !this.backfill.done) throw new Error(this.backfill.describe());
    // Down while a stream waits for ever behind a missing event: its accounts would stay stale.
    const stuck = await this.stuckStreams.find();
    if (stuck.length > 0) throw new Error(describeStuck(stuck, this.stuckAfterMs, this.stuckStreams.canHeal));
    // In the background: a slow broker must not fail the probe; the details show the last result.
    this.topicCheck ??= this.consumer
      .checkTopicHistory()
      .catch((error: unknown) => new Logger('ProjectionConsumer').warn({ err: error }, 'topic check failed'))
      .finally(() => (this.topicCheck = undefined));
    const [{ parked }] = await this.dataSource.query(
      'SELECT count(*)::int AS parked FROM parked_events WHERE projector = $1',
      [this.options.projector],
    );
    const status = this.consumer.status();
    // Lag against the topic's ends now (cached briefly), not as of the last applied chunk: a
    // stalled consumer shows its lag growing. Empty until the broker has answered once.
    const now = await this.consumer.partitionsNow().catch(() => []);
    const partitions =
      now.length === 0
        ? status.partitions
        : Object.fromEntries(
            now.map((p) => [
              String(p.partition),
              { position: p.position.toString(), lag: p.lag, freshnessSeconds: p.freshnessSeconds },
            ]),
          );
    return { ...status, partitions, parkedEvents: parked };
  };

  /** A backfill runs in the background, so that the service listens (and answers readiness) meanwhile. */
  async onApplicationBootstrap(): Promise<void> {
    await this.waiter.start();
    if (!this.backfill) return this.startConsuming();
    this.starting = this.backfill
      .run()
      .then(() => (this.stopping ? undefined : this.startConsuming()))
      .catch((error: Error) => {
        new Logger('StoreBackfill').fatal({ err: error }, 'backfill from the event store failed; exiting');
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      });
  }

  private async startConsuming(): Promise<void> {
    await this.consumer.start();
    this.unwatchStuck = watchStuckStreams(
      this.options.projector,
      async () => (await this.stuckStreams.find()).length,
    );
    // Looks a few times per bound, so that a stuck stream is healed soon after it counts as stuck.
    const every = Math.min(Math.max(this.stuckAfterMs / 4, 1_000), 15_000);
    this.healing = setInterval(() => {
      this.healPass ??= this.healStuckStreams().finally(() => (this.healPass = undefined));
    }, every);
    this.healing.unref();
  }

  private async healStuckStreams(): Promise<void> {
    try {
      const before = (await this.stuckStreams.find()).length;
      if (before === 0) return;
      const left = await this.stuckStreams.heal();
      if (this.stuckStreams.canHeal)
        projectionMetrics().healed.inc({ projector: this.options.projector }, before - left.length);
    } catch (error) {
      new Logger('StuckStreams').warn(
        { err: error },
        'could not look for or heal stuck streams; trying again',
      );
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.healing);
    this.unwatchStuck?.();
    await this.healPass;
    await this.stuckStreams.close();
    // A backfill still running is abandoned: the next one drops its shadow tables.
    if (!this.starting || this.backfill?.done) await this.starting;
    await this.consumer.stop();
    await this.waiter.stop();
  }
}

@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsModuleOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: CONSISTENCY_SETTINGS, useValue: options.consistency },
        {
          provide: ConsistencyWaiter,
          useFactory: (dataSource: DataSource) =>
            new ConsistencyWaiter({
              databaseUrl: options.databaseUrl,
              projector: options.projector,
              query: (sql, parameters) => dataSource.query(sql, parameters),
              logger: nestLogger('ConsistencyWaiter'),
            }),
          inject: [DataSource],
        },
        ConsistencyGuard,
        // After the bearer-auth guard (AuthModule is imported first): only verified callers wait.
        { provide: APP_GUARD, useExisting: ConsistencyGuard },
        ProjectionLifecycle,
      ],
      exports: [ProjectionLifecycle, ConsistencyWaiter],
    };
  }
}
