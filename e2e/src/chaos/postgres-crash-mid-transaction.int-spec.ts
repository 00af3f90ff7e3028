import { TransactionScope } from '@tally/event-store';
import { startPostgresServer, type PostgresServer } from '@tally/testing';
import { Pool } from 'pg';

jest.setTimeout(60_000);

/**
 * Found by the chaos suite: PostgreSQL crashing while a request's transaction holds a pooled
 * connection killed the command service ("Unhandled 'error' event ... Connection terminated
 * unexpectedly"). pg-pool removes its idle error listener from a client while it is checked out, and
 * TransactionScope.run attaches none, so the client's 'error' event has no listener and Node throws.
 * The transaction must fail (the request becomes a 503); the process must survive.
 */
describe('a transaction whose connection dies with PostgreSQL', () => {
  let server: PostgresServer;
  let pool: Pool;

  beforeAll(async () => {
    server = await startPostgresServer();
  });

  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await server?.destroy();
  });

  it('fails the transaction without an unhandled error event', async () => {
    pool = new Pool({ connectionString: server.url(), max: 2, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined); // as the command service does for idle connections
    const scope = new TransactionScope(pool);
    const unhandled: unknown[] = [];
    const onUncaught = (error: unknown) => unhandled.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const running = scope.run((db) => db.query('SELECT pg_sleep(10)'));
      const outcome = running.then(
        () => 'committed',
        (error: Error) => error.message,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.stop('immediate');
      expect(await outcome).toMatch(/terminat|ECONNRESET|shutdown/i);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await server.start();
    }
  });
});
