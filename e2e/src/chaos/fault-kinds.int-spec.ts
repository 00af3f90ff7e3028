import { FaultProxy, startPostgresServer, type PostgresServer } from '@tally/testing';
import { Client } from 'pg';
import type { CommandInstance } from './chaos-system';
import { StatementFailures, openLongTransaction } from './database-faults';
import { leaderOf } from './leaders';
import { ProcessPauses, postgresPids } from './process-pauses';

jest.setTimeout(90_000);

const connect = async (url: string, options: { query_timeout?: number } = {}) => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000, ...options });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

/** The chaos suite's own fault tools, each against a private PostgreSQL: they must do what they claim. */
describe('chaos fault kinds', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgresServer();
  });

  afterAll(() => server?.destroy());

  it('fails the writes to snapshots, idempotency keys and transfer steps while switched on, with production errors', async () => {
    const db = await connect(server.url());
    try {
      for (const table of ['snapshots', 'idempotency_keys', 'transfers_in_flight'])
        await db.query(`CREATE TABLE ${table} (n int)`);
      const failures = new StatementFailures(server.url());
      await failures.install();
      await failures.install(); // again, as each statement-failure fault does
      await failures.setShare(1);
      for (const table of ['snapshots', 'idempotency_keys', 'transfers_in_flight'])
        await expect(db.query(`INSERT INTO ${table} VALUES (1)`)).rejects.toMatchObject({
          code: expect.stringMatching(/^(57014|55P03|40P01|53100)$/),
        });
      await failures.setShare(0);
      await db.query('INSERT INTO snapshots VALUES (2)');
      await db.query('UPDATE snapshots SET n = 3');
      await db.query('DELETE FROM snapshots');
    } finally {
      await db.end();
    }
  });

  it('finds which instance holds a leader lock, through the proxy connection it came from', async () => {
    const instances: CommandInstance[] = await Promise.all(
      ['command-0', 'command-1'].map(async (name) => ({
        name,
        port: 0,
        proxy: await new FaultProxy(server.port).listen(),
      })),
    );
    const via = (i: number) => `postgres://postgres@127.0.0.1:${instances[i].proxy.port}/postgres`;
    const follower = await connect(via(0));
    const leader = await connect(via(1));
    try {
      expect(await leaderOf(server.url(), 'chaos-test-lock', instances)).toBeUndefined();
      await leader.query('SELECT pg_advisory_lock(hashtext($1))', ['chaos-test-lock']);
      const tried = await follower.query('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [
        'chaos-test-lock',
      ]);
      expect(tried.rows[0].got).toBe(false);
      expect((await leaderOf(server.url(), 'chaos-test-lock', instances))?.name).toBe('command-1');
    } finally {
      await Promise.all([follower.end(), leader.end()]);
      await Promise.all(instances.map((i) => i.proxy.close()));
    }
  });

  it('freezes every PostgreSQL process for the pause, then thaws them', async () => {
    const db = await connect(server.url(), { query_timeout: 1_000 });
    const pauses = new ProcessPauses();
    try {
      const pids = postgresPids(server.dataDir);
      expect(pids.length).toBeGreaterThan(3); // the postmaster, its helpers and this backend
      const paused = pauses.pause(pids, 2_500);
      await expect(db.query('SELECT 1')).rejects.toThrow(/timeout/i);
      await paused;
      const after = await connect(server.url(), { query_timeout: 2_000 });
      expect((await after.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await after.end();
    } finally {
      pauses.resumeAll();
      await db.end().catch(() => undefined);
    }
  });

  it('holds a transaction id in another database until the time is up', async () => {
    const { ended } = await openLongTransaction((database) => server.url(database), 1_500);
    const db = await connect(server.url());
    try {
      const open = async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'chaos_other' AND backend_xid IS NOT NULL`,
          )
        ).rows[0].n;
      expect(await open()).toBe(1);
      await ended;
      expect(await open()).toBe(0);
    } finally {
      await db.end();
    }
  });
});
