import { Client } from 'pg';
import { FaultProxy } from './fault-proxy';
import { startPostgresServer, type PostgresServer } from './postgres-server';

jest.setTimeout(90_000);

const query = async (url: string, sql: string) => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000, query_timeout: 2_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
};

describe('fault-injection tools', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgresServer();
  });

  afterAll(() => server?.destroy());

  it('runs a private PostgreSQL that keeps committed data across a crash (immediate stop)', async () => {
    await query(server.url(), 'CREATE TABLE t (n int)');
    await query(server.url(), 'INSERT INTO t VALUES (42)');
    await server.stop('immediate');
    await expect(query(server.url(), 'SELECT 1')).rejects.toThrow();
    await server.start();
    expect(await query(server.url(), 'SELECT n FROM t')).toEqual([{ n: 42 }]);
  });

  it('forwards, refuses, stalls and cuts connections through the proxy', async () => {
    const proxy = await new FaultProxy(server.port).listen();
    const url = `postgres://postgres@127.0.0.1:${proxy.port}/postgres`;
    try {
      expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

      proxy.mode = 'refuse';
      await expect(query(url, 'SELECT 1')).rejects.toThrow();

      proxy.mode = 'pass';
      const held = new Client({ connectionString: url, query_timeout: 1_000 });
      held.on('error', () => undefined);
      await held.connect();
      proxy.mode = 'stall';
      await expect(held.query('SELECT 1')).rejects.toThrow(/timeout/i);

      proxy.mode = 'pass';
      const cutClient = new Client({ connectionString: url });
      const lost = new Promise((resolve) => cutClient.on('error', resolve));
      await cutClient.connect();
      proxy.cut();
      await expect(lost).resolves.toMatchObject({ message: expect.stringMatching(/ECONNRESET|terminated/i) });
      await held.end().catch(() => undefined);

      expect(await query(url, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
    } finally {
      await proxy.close();
    }
  });

  it('drops the reply to a commit that happened: an explicit COMMIT, then a write that commits on its own', async () => {
    const proxy = await new FaultProxy(server.port).listen();
    const url = `postgres://postgres@127.0.0.1:${proxy.port}/postgres`;
    const connect = async () => {
      const client = new Client({ connectionString: url, query_timeout: 5_000 });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    try {
      await query(server.url(), 'CREATE TABLE ambiguous (n int)');
      const explicit = await connect();
      await explicit.query('BEGIN');
      proxy.dropCommitReplies(1);
      // Not a commit: answered, and the drop stays armed.
      await explicit.query('INSERT INTO ambiguous VALUES ($1)', [1]);
      await expect(explicit.query('COMMIT')).rejects.toThrow(/terminated|ECONNRESET|Connection/i);
      await explicit.end().catch(() => undefined);

      const implicit = await connect();
      expect((await implicit.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      proxy.dropCommitReplies(1);
      await expect(implicit.query('INSERT INTO ambiguous VALUES ($1)', [2])).rejects.toThrow(
        /terminated|ECONNRESET|Connection/i,
      );
      await implicit.end().catch(() => undefined);

      // Both committed, though neither client was told.
      expect(await query(server.url(), 'SELECT n FROM ambiguous ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
      expect(proxy.droppedCommitReplies).toBe(2);
      // Disarmed: the next commit is answered.
      expect(await query(url, 'INSERT INTO ambiguous VALUES (3) RETURNING n')).toEqual([{ n: 3 }]);
    } finally {
      await proxy.close();
    }
  });
});
