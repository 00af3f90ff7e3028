import { accessors, from } from 'env-var';

/** Accessors every service setting may use beyond env-var's own (whose asIntPositive allows 0). */
const extraAccessors = {
  /** A whole number of at least `min` (default 1): counts, sizes and intervals that must not be 0. */
  asIntAtLeast: (value: string, min = 1): number => {
    const parsed = accessors.asInt(value);
    if (parsed < min) throw new Error(`should be a whole number >= ${min}`);
    return parsed;
  },
  /**
   * An absolute URL whose scheme is one of `schemes` (without the colon: `postgres`, `https`), returned
   * as given: a typo in a database or key-set address stops start-up instead of failing on first use.
   */
  asUrlWithScheme: (value: string, ...schemes: string[]): string => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`should be an absolute URL (${schemes.map((s) => `${s}://…`).join(' or ')})`);
    }
    if (!schemes.includes(url.protocol.replace(/:$/, '')))
      throw new Error(`should be a ${schemes.join(' or ')} URL, not ${url.protocol}//…`);
    return value;
  },
};

/**
 * Reads service settings from the environment an app's `config.ts` hands over, with env-var: a setting
 * that is present but malformed stops the process at start-up with a message naming the variable,
 * rather than being silently replaced by its default. Libraries never read environment variables themselves.
 *
 * Booleans are read with env-var's `asBool` and nothing else: true/false/1/0 in any case; any other value
 * (`yes`, `off`, an empty string) is an error naming the variable, never a silent "on".
 */
export const settingsFrom = (env: NodeJS.ProcessEnv) => from(env, extraAccessors);

export type Settings = ReturnType<typeof settingsFrom>;

/** A PostgreSQL connection URL (postgres:// or postgresql://), or `fallback` when the variable is unset. */
export const databaseUrlSetting = (settings: Settings, name: string, fallback: string): string =>
  settings.get(name).default(fallback).asUrlWithScheme('postgres', 'postgresql');

/**
 * Where a service listens: `HOST` (default 127.0.0.1), and its own port variable
 * (`COMMAND_SERVICE_PORT`, …), else `PORT` (the usual variable of a platform), else `defaultPort`.
 * 0 is any free port (tests).
 */
export const listenSettings = (settings: Settings, portVariable: string, defaultPort: number) => ({
  host: settings.get('HOST').default('127.0.0.1').asString(),
  port:
    settings.get(portVariable).asIntPositive() ??
    settings.get('PORT').default(String(defaultPort)).asIntPositive(),
});

/**
 * A database a service owns: the URL it runs on, and the URL migrations run with (the owner, while the
 * service may run as a role with fewer rights), the same unless set.
 */
export const ownedDatabaseSettings = (
  settings: Settings,
  urlVariable: string,
  migrationUrlVariable: string,
  fallback: string,
) => {
  const databaseUrl = databaseUrlSetting(settings, urlVariable, fallback);
  return {
    databaseUrl,
    migrationDatabaseUrl: databaseUrlSetting(settings, migrationUrlVariable, databaseUrl),
  };
};

/**
 * The time limits of a service's pool on one database (`WRITE` or `READ`): `<side>_DATABASE_STATEMENT_TIMEOUT_MS`,
 * `_LOCK_TIMEOUT_MS`, `_IDLE_IN_TRANSACTION_TIMEOUT_MS` and `_KEEPALIVE_MS` (whole milliseconds, at least 1).
 */
export const databaseTimeoutSettings = (settings: Settings, side: 'WRITE' | 'READ') => ({
  statementTimeoutMs: settings.get(`${side}_DATABASE_STATEMENT_TIMEOUT_MS`).default('10000').asIntAtLeast(),
  lockTimeoutMs: settings.get(`${side}_DATABASE_LOCK_TIMEOUT_MS`).default('5000').asIntAtLeast(),
  idleInTransactionTimeoutMs: settings
    .get(`${side}_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS`)
    .default('30000')
    .asIntAtLeast(),
  keepAliveInitialDelayMs: settings.get(`${side}_DATABASE_KEEPALIVE_MS`).default('10000').asIntAtLeast(),
});
