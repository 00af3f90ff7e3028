import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createReadDatabase, type ReadDatabase } from '../testing';
import { AccountSummaryLoader } from './account-summary.loader';

describe('AccountSummaryLoader on a real read database', () => {
  let db: ReadDatabase;
  let dataSource: DataSource;
  let loader: AccountSummaryLoader;
  const alice = randomUUID();
  const bob = randomUUID();

  const insert = (table: string, accountId: string, balance: string) =>
    dataSource.query(
      `INSERT INTO ${table} VALUES ($1, 'alice', 'EUR', $2, 'open', 3, 2,
         '2026-01-02T03:04:05.678Z', '2026-01-03T00:00:00.001Z')`,
      [accountId, balance],
    );

  beforeAll(async () => {
    // One connection: every lookup below reuses the statement prepared on it by the first one.
    db = await createReadDatabase('summary_loader', 1);
    dataSource = db.dataSource;
    loader = AccountSummaryLoader.over(dataSource);
    await insert('accounts', alice, '9007199254740991');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('reads a summary by id with exact money and timestamps, and nothing for an unknown id', async () => {
    const [found, missing] = await Promise.all([loader.byId(alice), loader.byId(randomUUID())]);
    expect(found).toEqual({
      accountId: alice,
      ownerId: 'alice',
      currency: 'EUR',
      balance: Number.MAX_SAFE_INTEGER,
      status: 'open',
      version: 3,
      entryCount: 2,
      openedAt: new Date('2026-01-02T03:04:05.678Z'),
      updatedAt: new Date('2026-01-03T00:00:00.001Z'),
    });
    expect(missing).toBeUndefined();
  });

  it('finds an id written in upper case', async () => {
    expect(await loader.byId(alice.toUpperCase())).toMatchObject({ accountId: alice });
  });

  it('reads the swapped-in table after a rebuild moves the tables between schemas', async () => {
    expect(await loader.byId(alice)).toBeDefined();
    // What the rebuild's swap does: the live table retires to another schema, the shadow takes its place.
    await dataSource.query('CREATE SCHEMA shadow; CREATE SCHEMA retired');
    await dataSource.query('CREATE TABLE shadow.accounts (LIKE public.accounts INCLUDING ALL)');
    await insert('shadow.accounts', bob, '5');
    await dataSource.query('ALTER TABLE public.accounts SET SCHEMA retired');
    await dataSource.query('ALTER TABLE shadow.accounts SET SCHEMA public');
    expect(await Promise.all([loader.byId(alice), loader.byId(bob)])).toEqual([
      undefined,
      expect.objectContaining({ accountId: bob, balance: 5 }),
    ]);
  });
});
