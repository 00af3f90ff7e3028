import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  KAFKA,
  KAFKA_SETTINGS,
  KafkaEventPublisher,
  REPUBLISH_FIX,
  nestLogger,
  type KafkaSettings,
} from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { defaultDatabaseTimeouts, poolTimeoutOptions, type DatabaseTimeouts } from '@tally/database';
import { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from './event-store';
import { AppendSignal, type GroupCommitOptions } from './group-commit';
import { PostgresEventStore } from './postgres-event-store';
import { OutboxRelay } from './relay/outbox-relay';
import { registerRelayMetrics } from './relay/relay-metrics';
import { TransactionScope } from './transaction-scope';

export const WRITE_POOL = Symbol('WRITE_POOL');
/** The module's options, for components that need their own session (e.g. a leader loop). */
export const EVENT_STORE_OPTIONS = Symbol('EVENT_STORE_OPTIONS');
const OPTIONS = EVENT_STORE_OPTIONS;

export interface EventStoreModuleOptions {
  connectionString: string;
  poolSize: number;
  /** Limits on every statement, lock wait and transaction of the pool (defaults: defaultDatabaseTimeouts). */
  timeouts?: DatabaseTimeouts;
  relay: { enabled: boolean; batchSize: number; sweepIntervalMs: number; topicCheckIntervalMs?: number };
  /** Concurrent appends through the pool share one statement and commit; absent: off. */
  groupCommit?: GroupCommitOptions;
  /** The leader loops' lease (relay, transfer process manager): see LeaderLoopOptions.leaseMs. */
  leaderLeaseMs?: number;
}

/** Runs the relay for the lifetime of the app and drains it before the pool closes. */
@Injectable()
export class RelayLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly name = 'relay';
  readonly relay: OutboxRelay;
  private readonly publisher: KafkaEventPublisher;

  constructor(
    @Inject(OPTIONS) private readonly options: EventStoreModuleOptions,
    @Inject(WRITE_POOL) private readonly pool: Pool,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_SETTINGS) settings: KafkaSettings,
    appended: AppendSignal,
  ) {
    this.publisher = new KafkaEventPublisher(kafka, settings.topic);
    this.relay = new OutboxRelay({
      connectionString: options.connectionString,
      pool,
      publisher: this.publisher,
      logger: nestLogger('OutboxRelay'),
      batchSize: options.relay.batchSize,
      sweepIntervalMs: options.relay.sweepIntervalMs,
      topicCheckIntervalMs: options.relay.topicCheckIntervalMs,
      leaderLeaseMs: options.leaderLeaseMs,
      appended,
    });
  }

  /**
   * Readiness details: whether this instance leads the relay, and a topic that lost events the relay
   * had published. Informational: writes stay durable in the store, so the service stays ready.
   */
  check = async (): Promise<Record<string, unknown>> => {
    const topicLoss = await this.relay.topicLoss();
    return {
      leader: this.relay.isLeader,
      topicBehindCheckpoint: topicLoss ?? null,
      ...(topicLoss ? { fix: REPUBLISH_FIX } : {}),
    };
  };

  onApplicationBootstrap(): void {
    registerRelayMetrics(this.relay);
    if (this.options.relay.enabled) this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.publisher.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The write database: a pool, the event store on it (EVENT_STORE, built from the options the
 * composition root passes: nothing here reads the environment), and the outbox relay that drains it.
 */
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [
        { provide: OPTIONS, useValue: options },
        {
          provide: WRITE_POOL,
          useFactory: () => {
            const pool = new Pool({
              connectionString: options.connectionString,
              max: options.poolSize,
              ...poolTimeoutOptions(options.timeouts ?? defaultDatabaseTimeouts),
            });
            // An idle connection dropped by the server must not crash the process; the next query reconnects.
            pool.on('error', (error) => nestLogger('WritePool').warn({ err: error }, 'idle connection lost'));
            return pool;
          },
        },
        { provide: AppendSignal, useFactory: (pool: Pool) => new AppendSignal(pool), inject: [WRITE_POOL] },
        {
          provide: EVENT_STORE,
          useFactory: (pool: Pool, appended: AppendSignal): EventStore =>
            new PostgresEventStore(pool, { groupCommit: options.groupCommit, appended }),
          inject: [WRITE_POOL, AppendSignal],
        },
        {
          provide: TransactionScope,
          useFactory: (pool: Pool) => new TransactionScope(pool),
          inject: [WRITE_POOL],
        },
        RelayLifecycle,
      ],
      exports: [WRITE_POOL, OPTIONS, EVENT_STORE, TransactionScope, RelayLifecycle],
    };
  }
}
