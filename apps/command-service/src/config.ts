import type { CommandsOptions } from '@tally/accounts-commands';
import type { GroupCommitOptions } from '@tally/event-store';
import {
  authConfigFromEnv,
  loggingConfigFromEnv,
  rateLimitFromEnv,
  type AuthConfig,
  type LoggingConfig,
  type RateLimitConfig,
} from '@tally/http';
import { kafkaSettingsFromEnv, type KafkaSettings } from '@tally/messaging';
import type { DatabaseTimeouts } from '@tally/database';
import {
  databaseTimeoutSettings,
  listenSettings,
  ownedDatabaseSettings,
  settingsFrom,
} from '@tally/settings';
import { tracingConfigFromEnv, type TracingConfig } from '@tally/tracing';

export interface CommandServiceConfig {
  host: string;
  port: number;
  databaseUrl: string;
  /** Who creates the database and runs migrations: the owner, while the service may run as `tally_command`. */
  migrationDatabaseUrl: string;
  databasePoolSize: number;
  /** Statement, lock and idle-in-transaction limits and TCP keepalive of the write pool. */
  databaseTimeouts: DatabaseTimeouts;
  kafka: KafkaSettings;
  relay: { enabled: boolean; batchSize: number; sweepIntervalMs: number; topicCheckIntervalMs: number };
  /** Group commit of appends through the pool; undefined: every append commits on its own. */
  groupCommit?: GroupCommitOptions;
  leaderLeaseMs: number;
  commands: CommandsOptions;
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
  logging: LoggingConfig;
  /** OpenTelemetry traces (the standard OTEL_* variables); off unless OTEL_TRACES_EXPORTER names one. */
  tracing: TracingConfig;
}

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/tally_write';

/** The write database: what the command-line tools on the event store need too. */
const writeDatabaseFromEnv = (env: NodeJS.ProcessEnv) => {
  const settings = settingsFrom(env);
  return ownedDatabaseSettings(
    settings,
    'WRITE_DATABASE_URL',
    'WRITE_MIGRATION_DATABASE_URL',
    defaultDatabaseUrl,
  );
};

export const loadConfig = (env = process.env): CommandServiceConfig => {
  const settings = settingsFrom(env);
  return {
    ...listenSettings(settings, 'COMMAND_SERVICE_PORT', 3001),
    ...writeDatabaseFromEnv(env),
    databasePoolSize: settings.get('WRITE_DATABASE_POOL_SIZE').default('20').asIntAtLeast(),
    databaseTimeouts: databaseTimeoutSettings(settings, 'WRITE'),
    kafka: kafkaSettingsFromEnv('tally-command-service', env),
    relay: {
      enabled: settings.get('RELAY_ENABLED').default('true').asBool(),
      batchSize: settings.get('RELAY_BATCH_SIZE').default('1000').asIntAtLeast(),
      sweepIntervalMs: settings.get('RELAY_SWEEP_INTERVAL_MS').default('1000').asIntAtLeast(10),
      // How often the idle relay compares the topic's end offsets with what it published.
      topicCheckIntervalMs: settings.get('RELAY_TOPIC_CHECK_INTERVAL_MS').default('5000').asIntAtLeast(100),
    },
    // A leader (relay, transfer process manager) that stops answering this long loses its lock.
    leaderLeaseMs: settings.get('LEADER_LEASE_MS').default('10000').asIntAtLeast(1_000),
    // EVENT_STORE_GROUP_COMMIT=false turns batching off.
    groupCommit: !settings.get('EVENT_STORE_GROUP_COMMIT').default('true').asBool()
      ? undefined
      : {
          maxBatches: settings.get('EVENT_STORE_MAX_BATCHES').default('2').asIntAtLeast(),
          maxEvents: settings.get('EVENT_STORE_BATCH_EVENTS').default('1000').asIntAtLeast(),
          notifyIntervalMs: settings.get('EVENT_STORE_NOTIFY_INTERVAL_MS').default('5').asIntAtLeast(),
        },
    commands: {
      snapshotEvery: settings.get('SNAPSHOT_EVERY').default('100').asIntAtLeast(),
      // 0 turns the cache off.
      stateCacheSize: settings.get('STATE_CACHE_SIZE').default('10000').asIntPositive(),
      idempotencyKeyTtlSeconds: settings.get('IDEMPOTENCY_KEY_TTL_SECONDS').default('86400').asIntAtLeast(),
      streams: {
        perStream: settings.get('COMMAND_QUEUE_PER_STREAM').default('1000').asIntAtLeast(),
        total: settings.get('COMMAND_QUEUE_TOTAL').default('10000').asIntAtLeast(),
        batch: settings.get('COMMAND_BATCH_SIZE').default('500').asIntAtLeast(),
        deadlineMs: settings.get('COMMAND_DEADLINE_MS').default('5000').asIntAtLeast(),
        lockWhenContended: settings.get('COMMAND_STREAM_LOCKS').default('true').asBool(),
      },
      transfers: {
        enabled: settings.get('TRANSFERS_ENABLED').default('true').asBool(),
        sweepIntervalMs: settings.get('TRANSFERS_SWEEP_INTERVAL_MS').default('1000').asIntAtLeast(10),
        concurrency: settings.get('TRANSFERS_CONCURRENCY').default('16').asIntAtLeast(),
      },
    },
    auth: authConfigFromEnv(env),
    rateLimit: rateLimitFromEnv(env),
    logging: loggingConfigFromEnv(env),
    tracing: tracingConfigFromEnv(env, 'tally-command-service'),
  };
};

/** What `npm run republish` needs: the write database and Kafka, no HTTP or authentication. */
export interface RepublishConfig {
  databaseUrl: string;
  migrationDatabaseUrl: string;
  kafka: KafkaSettings;
  batchSize: number;
}

export const loadRepublishConfig = (env = process.env): RepublishConfig => ({
  ...writeDatabaseFromEnv(env),
  kafka: kafkaSettingsFromEnv('tally-republish', env),
  batchSize: settingsFrom(env).get('RELAY_BATCH_SIZE').default('1000').asIntAtLeast(),
});
