import type { CommandsOptions } from '@tally/accounts-commands';
import { authConfigFromEnv, rateLimitFromEnv, type AuthConfig, type RateLimitConfig } from '@tally/http';
import { kafkaSettingsFromEnv, type KafkaSettings } from '@tally/messaging';

export interface CommandServiceConfig {
  host: string;
  port: number;
  databaseUrl: string;
  /** Who creates the database and runs migrations: the owner, while the service may run as `tally_command`. */
  migrationDatabaseUrl: string;
  databasePoolSize: number;
  kafka: KafkaSettings;
  relay: { enabled: boolean; batchSize: number; sweepIntervalMs: number };
  commands: CommandsOptions;
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
}

const int = (value: string | undefined, fallback: number, min = 0): number => {
  const parsed = Number(value ?? fallback);
  if (!Number.isSafeInteger(parsed) || parsed < min)
    throw new Error(`Not a whole number >= ${min}: ${value}`);
  return parsed;
};

const defaultDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/tally_write';

export const loadConfig = (env = process.env): CommandServiceConfig => ({
  host: env.HOST ?? '127.0.0.1',
  port: int(env.COMMAND_SERVICE_PORT ?? env.PORT, 3001),
  databaseUrl: env.WRITE_DATABASE_URL ?? defaultDatabaseUrl,
  migrationDatabaseUrl: env.WRITE_MIGRATION_DATABASE_URL ?? env.WRITE_DATABASE_URL ?? defaultDatabaseUrl,
  databasePoolSize: int(env.WRITE_DATABASE_POOL_SIZE, 20),
  kafka: kafkaSettingsFromEnv('tally-command-service', env),
  relay: {
    enabled: env.RELAY_ENABLED !== 'false',
    batchSize: int(env.RELAY_BATCH_SIZE, 1_000),
    sweepIntervalMs: int(env.RELAY_SWEEP_INTERVAL_MS, 1_000),
  },
  commands: {
    snapshotEvery: int(env.SNAPSHOT_EVERY, 100, 1),
    stateCacheSize: int(env.STATE_CACHE_SIZE, 10_000),
    idempotencyKeyTtlSeconds: int(env.IDEMPOTENCY_KEY_TTL_SECONDS, 24 * 60 * 60, 1),
    transfers: {
      enabled: env.TRANSFERS_ENABLED !== 'false',
      sweepIntervalMs: int(env.TRANSFERS_SWEEP_INTERVAL_MS, 1_000, 10),
      concurrency: int(env.TRANSFERS_CONCURRENCY, 16, 1),
    },
  },
  auth: authConfigFromEnv(env),
  rateLimit: rateLimitFromEnv(env),
});
