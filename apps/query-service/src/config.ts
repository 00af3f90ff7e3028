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
  databaseUrlSetting,
  listenSettings,
  ownedDatabaseSettings,
  settingsFrom,
} from '@tally/settings';
import { tracingConfigFromEnv, type TracingConfig } from '@tally/tracing';

export interface QueryServiceConfig {
  host: string;
  port: number;
  databaseUrl: string;
  /** Who creates the database and runs migrations: the owner, while the service may run as `tally_query`. */
  migrationDatabaseUrl: string;
  databasePoolSize: number;
  /** Statement, lock and idle-in-transaction limits and TCP keepalive of the read pool. */
  databaseTimeouts: DatabaseTimeouts;
  kafka: KafkaSettings;
  /** Replicas sharing a group share the partitions; a replica set with its own database needs its own group. */
  groupId: string;
  /** Time after which a crashed replica's partitions move to the others (Kafka's minimum is 6 s). */
  sessionTimeoutMs: number;
  /** How long a stream's events may stay parked before it counts as stuck (and is healed from the store). */
  stuckStreamAfterMs: number;
  /** Partitions of one fetch applied together, in one transaction. */
  partitionsConsumedConcurrently: number;
  /** Read-your-writes: how long a read with X-Consistency-Token waits by default, and at most. */
  consistency: { defaultTimeoutMs: number; maxTimeoutMs: number };
  /**
   * The write database, read only: rebuilds and new replica sets replay its `events` table. Needs
   * SELECT on `events` and nothing else: the `tally_event_reader` role.
   */
  eventStoreDatabaseUrl: string;
}

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/tally_read';

export const loadConfig = (env = process.env): QueryServiceConfig => {
  const settings = settingsFrom(env);
  return {
    ...listenSettings(settings, 'QUERY_SERVICE_PORT', 3002),
    ...ownedDatabaseSettings(
      settings,
      'READ_DATABASE_URL',
      'READ_MIGRATION_DATABASE_URL',
      defaultDatabaseUrl,
    ),
    databasePoolSize: settings.get('READ_DATABASE_POOL_SIZE').default('20').asIntAtLeast(),
    databaseTimeouts: databaseTimeoutSettings(settings, 'READ'),
    kafka: kafkaSettingsFromEnv(`tally-query-service-${process.pid}`, env),
    groupId: env.KAFKA_GROUP_ID ?? 'tally-query',
    sessionTimeoutMs: settings.get('KAFKA_SESSION_TIMEOUT_MS').default('10000').asIntAtLeast(),
    stuckStreamAfterMs: settings.get('PROJECTION_STUCK_STREAM_AFTER_MS').default('60000').asIntPositive(),
    partitionsConsumedConcurrently: settings
      .get('PROJECTION_PARTITIONS_CONCURRENTLY')
      .default('12')
      .asIntAtLeast(),
    consistency: {
      defaultTimeoutMs: settings.get('CONSISTENCY_DEFAULT_TIMEOUT_MS').default('2000').asIntPositive(),
      maxTimeoutMs: settings.get('CONSISTENCY_MAX_TIMEOUT_MS').default('10000').asIntPositive(),
    },
    eventStoreDatabaseUrl: databaseUrlSetting(
      settings,
      'EVENT_STORE_DATABASE_URL',
      databaseUrlSetting(settings, 'WRITE_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/tally_write'),
    ),
  };
};

/** What only the HTTP service needs (not the command-line tools that share loadConfig). */
export interface QueryHttpConfig {
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
  logging: LoggingConfig;
  /** OpenTelemetry traces (the standard OTEL_* variables); off unless OTEL_TRACES_EXPORTER names one. */
  tracing: TracingConfig;
}

export const loadHttpConfig = (env = process.env): QueryHttpConfig => ({
  auth: authConfigFromEnv(env),
  rateLimit: rateLimitFromEnv(env),
  logging: loggingConfigFromEnv(env),
  tracing: tracingConfigFromEnv(env, 'tally-query-service'),
});
