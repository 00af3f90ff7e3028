import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KAFKA, KAFKA_SETTINGS, nestLogger, type KafkaSettings } from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { Projection } from './projection';
import { ProjectionConsumer } from './projection-consumer';

const OPTIONS = Symbol('PROJECTIONS_OPTIONS');

export interface ProjectionsModuleOptions {
  groupId: string;
  projector: string;
  projections: () => Projection[];
  sessionTimeoutMs: number;
}

/**
 * Runs the projection consumer for the app's lifetime. If it stops for good, the process exits
 * non-zero (via SIGTERM, so shutdown hooks run) for its supervisor to restart it: a replica never
 * sits silently stopped while still answering reads.
 */
@Injectable()
export class ProjectionLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly consumer: ProjectionConsumer;

  constructor(
    @Inject(OPTIONS) options: ProjectionsModuleOptions,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    dataSource: DataSource,
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

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}

@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsModuleOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      providers: [{ provide: OPTIONS, useValue: options }, ProjectionLifecycle],
      exports: [ProjectionLifecycle],
    };
  }
}
