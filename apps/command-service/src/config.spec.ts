import { loadConfig } from './config';

const base = { AUTH_HS256_SECRET: 'x'.repeat(32) };

describe('command service config', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(3001);
    expect(config.databasePoolSize).toBe(20);
    expect(config.relay).toEqual({
      enabled: true,
      batchSize: 1_000,
      sweepIntervalMs: 1_000,
      topicCheckIntervalMs: 5_000,
    });
    expect(config.commands).toMatchObject({ snapshotEvery: 100, stateCacheSize: 10_000 });
    expect(config.databaseTimeouts).toEqual({
      statementTimeoutMs: 10_000,
      lockTimeoutMs: 5_000,
      idleInTransactionTimeoutMs: 30_000,
      keepAliveInitialDelayMs: 10_000,
    });
  });

  it('configures group commit with the documented defaults, and none when it is off', () => {
    expect(loadConfig(base).groupCommit).toEqual({ maxBatches: 2, maxEvents: 1_000, notifyIntervalMs: 5 });
    expect(loadConfig({ ...base, EVENT_STORE_GROUP_COMMIT: 'false' }).groupCommit).toBeUndefined();
  });

  it('takes 0 where 0 means something (any free port, state cache off)', () => {
    const config = loadConfig({ ...base, COMMAND_SERVICE_PORT: '0', STATE_CACHE_SIZE: '0' });
    expect(config.port).toBe(0);
    expect(config.commands.stateCacheSize).toBe(0);
  });

  it.each([
    ['WRITE_DATABASE_POOL_SIZE', 'twenty'],
    ['SNAPSHOT_EVERY', '0'],
    ['TRANSFERS_CONCURRENCY', '2.5'],
    ['RELAY_SWEEP_INTERVAL_MS', '5'],
    ['RELAY_TOPIC_CHECK_INTERVAL_MS', '50'],
    ['RATE_LIMIT_PER_SECOND', '-1'],
    ['AUTH_CLOCK_TOLERANCE_SECONDS', 'soon'],
    ['LOG_LEVEL', 'loud'],
    ['RELAY_ENABLED', 'no'],
    ['TRANSFERS_ENABLED', 'off'],
    ['COMMAND_STREAM_LOCKS', ''],
    ['LOG_REQUESTS', 'yes'],
    ['KAFKA_SSL', 'on'],
    ['TRUST_PROXY', 'the-load-balancer'],
    ['WRITE_DATABASE_URL', 'localhost:5432/tally_write'],
    ['WRITE_MIGRATION_DATABASE_URL', 'http://db/tally_write'],
    ['EVENT_STORE_MAX_BATCHES', '0'],
    ['EVENT_STORE_BATCH_EVENTS', 'many'],
    ['EVENT_STORE_NOTIFY_INTERVAL_MS', '0'],
    ['COMMAND_DEADLINE_MS', 'soon'],
    ['WRITE_DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['WRITE_DATABASE_LOCK_TIMEOUT_MS', '1.5'],
    ['WRITE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 'never'],
    ['WRITE_DATABASE_KEEPALIVE_MS', '-1'],
  ])('refuses %s=%s at start-up, naming the variable', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });

  it('refuses an AUTH_JWKS_URL that is not an http(s) URL, naming it', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'id.example/jwks.json' })).toThrow(/AUTH_JWKS_URL/);
    expect(loadConfig({ AUTH_JWKS_URL: 'https://id.example/jwks.json' }).auth.jwksUrl).toBe(
      'https://id.example/jwks.json',
    );
  });

  it.each([
    ['0', false],
    ['FALSE', false],
    ['1', true],
    ['True', true],
  ])('reads the switches as booleans: %s is %s', (value, expected) => {
    const config = loadConfig({
      ...base,
      RELAY_ENABLED: value,
      TRANSFERS_ENABLED: value,
      LOG_REQUESTS: value,
    });
    expect([config.relay.enabled, config.commands.transfers.enabled, config.logging.logRequests]).toEqual([
      expected,
      expected,
      expected,
    ]);
  });
});
