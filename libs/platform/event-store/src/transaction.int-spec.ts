import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { TransactionRolledBackError, inTransaction, savepoint } from '@tally/database';

jest.setTimeout(30_000);

describe('transactions', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('transaction_helper');
    pool = new Pool({ connectionString: db.url, max: 2 });
    await pool.query('CREATE TABLE rows (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  const count = async () => (await pool.query('SELECT count(*)::int AS n FROM rows')).rows[0].n;

  it('refuses to report as committed a transaction whose COMMIT answered ROLLBACK', async () => {
    await pool.query('TRUNCATE rows');
    const swallowing = inTransaction(pool, async (client) => {
      await client.query('INSERT INTO rows VALUES (1)');
      // The error is swallowed, but PostgreSQL has aborted the transaction.
      await client.query('INSERT INTO rows VALUES (1)').catch(() => undefined);
      return 'done';
    });
    await expect(swallowing).rejects.toBeInstanceOf(TransactionRolledBackError);
    expect(await count()).toBe(0);
  });

  it('keeps the transaction usable when the failure ran under a savepoint', async () => {
    await pool.query('TRUNCATE rows');
    const result = await inTransaction(pool, async (client) => {
      await client.query('INSERT INTO rows VALUES (1)');
      await savepoint(client, () => client.query('INSERT INTO rows VALUES (1)')).catch(() => undefined);
      await client.query('INSERT INTO rows VALUES (2)');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await count()).toBe(2);
  });

  it('rolls back and rethrows when the work fails', async () => {
    await pool.query('TRUNCATE rows');
    const failing = inTransaction(pool, async (client) => {
      await client.query('INSERT INTO rows VALUES (1)');
      throw new Error('refused');
    });
    await expect(failing).rejects.toThrow('refused');
    expect(await count()).toBe(0);
    expect(pool.idleCount + pool.totalCount).toBeGreaterThan(0); // the connection went back
  });
});
