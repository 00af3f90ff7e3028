import { loadConfig, loadHttpConfig } from './config';

describe('query service config', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3002);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/tally_read');
    expect(config.migrationDatabaseUrl).toBe(config.databaseUrl);
    expect(config.eventStoreDatabaseUrl).toBe('postgres://postgres@127.0.0.1:5432/tally_write');
    expect(config.groupId).toBe('tally-query');
    expect(config.databaseTimeouts).toEqual({
      statementTimeoutMs: 10_000,
      lockTimeoutMs: 5_000,
      idleInTransactionTimeoutMs: 30_000,
      keepAliveInitialDelayMs: 10_000,
    });
  });

  it('replays the store from the write database unless EVENT_STORE_DATABASE_URL says otherwise', () => {
    const write = 'postgres://tally_event_reader@db/tally_write';
    expect(loadConfig({ WRITE_DATABASE_URL: write }).eventStoreDatabaseUrl).toBe(write);
    expect(
      loadConfig({
        WRITE_DATABASE_URL: write,
        EVENT_STORE_DATABASE_URL: 'postgresql://r@replica/tally_write',
      }).eventStoreDatabaseUrl,
    ).toBe('postgresql://r@replica/tally_write');
  });

  it.each([
    ['READ_DATABASE_URL', 'tally_read'],
    ['READ_MIGRATION_DATABASE_URL', 'mysql://db/tally_read'],
    ['EVENT_STORE_DATABASE_URL', '127.0.0.1:5432/tally_write'],
    ['WRITE_DATABASE_URL', 'postgres//db'],
    ['KAFKA_SSL', 'yes'],
    ['KAFKA_SESSION_TIMEOUT_MS', 'ten seconds'],
    ['READ_DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['READ_DATABASE_LOCK_TIMEOUT_MS', 'soon'],
    ['READ_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', '2.5'],
    ['READ_DATABASE_KEEPALIVE_MS', 'off'],
  ])('refuses %s=%s at start-up, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it.each([
    ['LOG_REQUESTS', 'nope'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    ['AUTH_JWKS_URL', 'not a url'],
  ])('refuses %s=%s in the HTTP settings, naming the variable', (name, value) => {
    const auth = name === 'AUTH_JWKS_URL' ? {} : { AUTH_HS256_SECRET: 'x'.repeat(32) };
    expect(() => loadHttpConfig({ ...auth, [name]: value })).toThrow(new RegExp(name));
  });

  it('takes TRUST_PROXY for the rate limiter', () => {
    const http = loadHttpConfig({ AUTH_HS256_SECRET: 'x'.repeat(32), TRUST_PROXY: '10.0.0.0/8' });
    expect(http.rateLimit.trustProxy).toEqual(['10.0.0.0/8']);
  });
});
