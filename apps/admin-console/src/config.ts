import { authConfigFromEnv, loggingConfigFromEnv, type AuthConfig, type LoggingConfig } from '@tally/http';
import { kafkaSettingsFromEnv, type KafkaSettings } from '@tally/messaging';
import { databaseUrlSetting, settingsFrom, type Settings } from '@tally/settings';

/** A replica set: query-service replicas sharing a consumer group and a read database. */
export interface ReplicaSetConfig {
  groupId: string;
  databaseUrl: string;
}

export interface AdminConsoleConfig {
  host: string;
  port: number;
  kafka: KafkaSettings;
  /**
   * The write database, used read only (relay checkpoint and lock, event counts, transfers in flight):
   * SELECT on `events`, `relay_checkpoints`, `transfers_in_flight` is all it needs.
   */
  writeDatabaseUrl: string;
  /** Every replica set to watch, each with its read database (read only). */
  replicaSets: ReplicaSetConfig[];
  /** The command-service instances' /metrics: commands/s and error rates. Empty: not measured. */
  commandMetricsUrls: string[];
  /**
   * What the operator actions (dead letters, rebuild) act on: the first replica set, as the query
   * service's own command-line tools do. Its read database keeps the dead-letter marks (what was
   * re-driven or handled); a rebuild swaps its tables as their owner and replays the event store.
   */
  actions: {
    groupId: string;
    /** Where the dead-letter marks are read and written (`tally_query` will do). */
    readDatabaseUrl: string;
    /** The read database's owner, for a rebuild: READ_MIGRATION_DATABASE_URL, else `readDatabaseUrl`. */
    rebuildDatabaseUrl: string;
    /** The event store, read only (SELECT on `events`), which a rebuild replays. */
    eventStoreDatabaseUrl: string;
  };
}

const defaultWriteDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/tally_write';
const defaultReadDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/tally_read';

/** `group=url` pairs separated by commas. */
function replicaSetsFrom(settings: Settings, env: NodeJS.ProcessEnv): ReplicaSetConfig[] {
  const listed = env.ADMIN_REPLICA_SETS?.trim();
  if (!listed)
    return [
      {
        groupId: env.KAFKA_GROUP_ID ?? 'tally-query',
        databaseUrl: databaseUrlSetting(settings, 'READ_DATABASE_URL', defaultReadDatabaseUrl),
      },
    ];
  const sets = listed.split(',').map((pair) => {
    const at = pair.indexOf('=');
    const groupId = pair.slice(0, at).trim();
    const databaseUrl = pair.slice(at + 1).trim();
    if (at <= 0 || !groupId)
      throw new Error(
        `ADMIN_REPLICA_SETS should be <group>=<postgres URL>[,<group>=<postgres URL>...], got "${pair.trim()}"`,
      );
    return {
      groupId,
      databaseUrl: settingsFrom({ ADMIN_REPLICA_SETS: databaseUrl })
        .get('ADMIN_REPLICA_SETS')
        .required()
        .asUrlWithScheme('postgres', 'postgresql'),
    };
  });
  const groups = sets.map((set) => set.groupId);
  if (new Set(groups).size !== groups.length)
    throw new Error(`ADMIN_REPLICA_SETS names a group twice: ${groups.join(', ')}`);
  return sets;
}

function commandMetricsUrlsFrom(settings: Settings, env: NodeJS.ProcessEnv): string[] {
  const listed = env.ADMIN_COMMAND_METRICS_URLS;
  if (listed === undefined) {
    const port = settings.get('COMMAND_SERVICE_PORT').default('3001').asIntPositive();
    return [`http://127.0.0.1:${port}/metrics`];
  }
  return listed
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0)
    .map((url) =>
      settingsFrom({ ADMIN_COMMAND_METRICS_URLS: url })
        .get('ADMIN_COMMAND_METRICS_URLS')
        .required()
        .asUrlWithScheme('http', 'https'),
    );
}

export const loadConfig = (env = process.env): AdminConsoleConfig => {
  const settings = settingsFrom(env);
  const replicaSets = replicaSetsFrom(settings, env);
  return {
    host: env.HOST ?? '127.0.0.1',
    // 0: any free port (tests).
    port: settings.get('ADMIN_CONSOLE_PORT').default('3003').asIntPositive(),
    kafka: kafkaSettingsFromEnv(`tally-admin-console-${process.pid}`, env),
    writeDatabaseUrl: databaseUrlSetting(
      settings,
      'ADMIN_WRITE_DATABASE_URL',
      databaseUrlSetting(settings, 'WRITE_DATABASE_URL', defaultWriteDatabaseUrl),
    ),
    replicaSets,
    commandMetricsUrls: commandMetricsUrlsFrom(settings, env),
    actions: {
      groupId: replicaSets[0].groupId,
      readDatabaseUrl: replicaSets[0].databaseUrl,
      rebuildDatabaseUrl: databaseUrlSetting(
        settings,
        'READ_MIGRATION_DATABASE_URL',
        replicaSets[0].databaseUrl,
      ),
      eventStoreDatabaseUrl: databaseUrlSetting(
        settings,
        'EVENT_STORE_DATABASE_URL',
        databaseUrlSetting(settings, 'WRITE_DATABASE_URL', defaultWriteDatabaseUrl),
      ),
    },
  };
};

/** What only the console's web server needs (not `npm run admin`, which shares loadConfig). */
export interface AdminHttpConfig {
  /** The same bearer tokens as the services; every /api route needs the `tally:admin` scope. */
  auth: AuthConfig;
  logging: LoggingConfig;
}

export const loadHttpConfig = (env = process.env): AdminHttpConfig => ({
  auth: authConfigFromEnv(env),
  logging: loggingConfigFromEnv(env),
});
