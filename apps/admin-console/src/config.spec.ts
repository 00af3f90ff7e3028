import { loadConfig } from './config';

describe('admin console config', () => {
  it('uses the documented defaults: the services’ own databases, group and ports', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3003);
    expect(config.host).toBe('127.0.0.1');
    expect(config.kafka.topic).toBe('tally.events');
    expect(config.writeDatabaseUrl).toBe('postgres://postgres@127.0.0.1:5432/tally_write');
    expect(config.replicaSets).toEqual([
      { groupId: 'tally-query', databaseUrl: 'postgres://postgres@127.0.0.1:5432/tally_read' },
    ]);
    expect(config.commandMetricsUrls).toEqual(['http://127.0.0.1:3001/metrics']);
    expect(config.actions).toEqual({
      groupId: 'tally-query',
      readDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/tally_read',
      rebuildDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/tally_read',
      eventStoreDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/tally_write',
    });
  });

  it('acts on the first replica set: dead-letter marks in its database, rebuilds as its owner', () => {
    const config = loadConfig({
      ADMIN_REPLICA_SETS:
        'tally-query-eu=postgres://tally_query@eu/tally_read, tally-query=postgres://op@db/r',
      READ_MIGRATION_DATABASE_URL: 'postgres://owner@eu/tally_read',
      EVENT_STORE_DATABASE_URL: 'postgres://tally_event_reader@db/tally_write',
      WRITE_DATABASE_URL: 'postgres://tally_command@db/tally_write',
    });
    expect(config.actions).toEqual({
      groupId: 'tally-query-eu',
      readDatabaseUrl: 'postgres://tally_query@eu/tally_read',
      rebuildDatabaseUrl: 'postgres://owner@eu/tally_read',
      eventStoreDatabaseUrl: 'postgres://tally_event_reader@db/tally_write',
    });
  });

  it('follows the services’ variables when its own are unset', () => {
    const config = loadConfig({
      WRITE_DATABASE_URL: 'postgres://tally_command@db/tally_write',
      READ_DATABASE_URL: 'postgres://tally_query@db/tally_read_eu',
      KAFKA_GROUP_ID: 'tally-query-eu',
      COMMAND_SERVICE_PORT: '4001',
    });
    expect(config.writeDatabaseUrl).toBe('postgres://tally_command@db/tally_write');
    expect(config.replicaSets).toEqual([
      { groupId: 'tally-query-eu', databaseUrl: 'postgres://tally_query@db/tally_read_eu' },
    ]);
    expect(config.commandMetricsUrls).toEqual(['http://127.0.0.1:4001/metrics']);
  });

  it('reads several replica sets and command-service instances', () => {
    const config = loadConfig({
      ADMIN_WRITE_DATABASE_URL: 'postgres://tally_operator@db/tally_write',
      ADMIN_REPLICA_SETS:
        'tally-query=postgres://op@db/tally_read, tally-query-eu=postgresql://op@eu:5432/tally_read',
      ADMIN_COMMAND_METRICS_URLS: 'http://cmd-1:3001/metrics, http://cmd-2:3001/metrics',
    });
    expect(config.writeDatabaseUrl).toBe('postgres://tally_operator@db/tally_write');
    expect(config.replicaSets).toEqual([
      { groupId: 'tally-query', databaseUrl: 'postgres://op@db/tally_read' },
      { groupId: 'tally-query-eu', databaseUrl: 'postgresql://op@eu:5432/tally_read' },
    ]);
    expect(config.commandMetricsUrls).toEqual(['http://cmd-1:3001/metrics', 'http://cmd-2:3001/metrics']);
  });

  it('measures no command rate when ADMIN_COMMAND_METRICS_URLS is empty', () => {
    expect(loadConfig({ ADMIN_COMMAND_METRICS_URLS: '' }).commandMetricsUrls).toEqual([]);
  });

  it.each([
    ['ADMIN_CONSOLE_PORT', 'three'],
    ['ADMIN_WRITE_DATABASE_URL', 'mysql://db/tally_write'],
    ['WRITE_DATABASE_URL', 'db/tally_write'],
    ['READ_DATABASE_URL', 'tally_read'],
    ['ADMIN_REPLICA_SETS', 'postgres://db/tally_read'],
    ['ADMIN_REPLICA_SETS', 'tally-query='],
    ['ADMIN_REPLICA_SETS', 'a=postgres://db/r1,a=postgres://db/r2'],
    ['ADMIN_REPLICA_SETS', 'a=http://db/r1'],
    ['ADMIN_COMMAND_METRICS_URLS', 'cmd:3001/metrics'],
    ['KAFKA_SSL', 'yes'],
  ])('refuses %s=%s at start-up, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
