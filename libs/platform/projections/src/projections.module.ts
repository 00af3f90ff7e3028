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
import { DataSource } from 'typeorm';
import {
  CONSISTENCY_SETTINGS,
  ConsistencyGuard,
  type ConsistencySettings,
} from './consistency/consistency.guard';
import { ConsistencyWaiter } from './consistency/consistency-waiter';
import type { Projection } from './projection';
import { ProjectionConsumer } from './projection-consumer';

const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

export interface ProjectionsModuleOptions {
  groupId: string;
  projector: string;
  projections: () => Projection[];
  sessionTimeoutMs: number;
  /** The read database, for the LISTEN connection that wakes reads waiting on a consistency token. */
  databaseUrl: string;
  consistency: ConsistencySettings;
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
      logger: nestLogger('ProjectionConsumer'),
      onFatal: (error) => {
        new Logger('ProjectionConsumer').fatal({ err: error }, 'projection consumer stopped; exiting');
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      },
    });
  }

  /** Readiness details: owned partitions with position and lag, and events parked behind a gap. */
  check = async (): Promise<Record<string, unknown>> => {
    const [{ parked }] = await this.dataSource.query(
      'SELECT count(*)::int AS parked FROM parked_events WHERE projector = $1',
      [this.options.projector],
    );
    return { ...this.consumer.status(), parkedEvents: parked };
  };

  async onApplicationBootstrap(): Promise<void> {
    await this.waiter.start();
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
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
