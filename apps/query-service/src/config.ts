import { authConfigFromEnv, rateLimitFromEnv, type AuthConfig, type RateLimitConfig } from '@tally/http';
import { kafkaSettingsFromEnv, type KafkaSettings } from '@tally/messaging';

export interface QueryServiceConfig {
  host: string;
  port: number;
  databaseUrl: string;
  /** Who creates the database and runs migrations: the owner, while the service may run as `tally_query`. */
  migrationDatabaseUrl: string;
  databasePoolSize: number;
  kafka: KafkaSettings;
  /** Replicas sharing a group share the partitions; a replica set with its own database needs its own group. */
  groupId: string;
  /** Time after which a crashed replica's partitions move to the others (Kafka's minimum is 6 s). */
  sessionTimeoutMs: number;
  /** Read-your-writes: how long a read with X-Consistency-Token waits by default, and at most. */
  consistency: { defaultTimeoutMs: number; maxTimeoutMs: number };
}

const int = (value: string | undefined, fallback: number): number => {
  const parsed = Number(value ?? fallback);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`Not a whole number: ${value}`);
  return parsed;
};

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/tally_read';

export const loadConfig = (env = process.env): QueryServiceConfig => ({
  host: env.HOST ?? '127.0.0.1',
  port: int(env.QUERY_SERVICE_PORT ?? env.PORT, 3002),
  databaseUrl: env.READ_DATABASE_URL ?? defaultDatabaseUrl,
  migrationDatabaseUrl: env.READ_MIGRATION_DATABASE_URL ?? env.READ_DATABASE_URL ?? defaultDatabaseUrl,
  databasePoolSize: int(env.READ_DATABASE_POOL_SIZE, 20),
  kafka: kafkaSettingsFromEnv(`tally-query-service-${process.pid}`, env),
  groupId: env.KAFKA_GROUP_ID ?? 'tally-query',
  sessionTimeoutMs: int(env.KAFKA_SESSION_TIMEOUT_MS, 10_000),
  consistency: {
    defaultTimeoutMs: int(env.CONSISTENCY_DEFAULT_TIMEOUT_MS, 2_000),
    maxTimeoutMs: int(env.CONSISTENCY_MAX_TIMEOUT_MS, 10_000),
  },
});

/** What only the HTTP service needs (not the command-line tools that share loadConfig). */
export interface QueryHttpConfig {
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
}

export const loadHttpConfig = (env = process.env): QueryHttpConfig => ({
  auth: authConfigFromEnv(env),
  rateLimit: rateLimitFromEnv(env),
});
