import { runMigrations } from '@tally/database';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Client } from 'pg';
import { accountReadModels } from './account-read-models';

jest.setTimeout(30_000);

/** The migration that created three read models' tables at once, before each slice owned its own. */
const BEFORE_THE_SPLIT = { timestamp: 1764316800210, name: 'CreateLedgerTransfersPortfolio1764316800210' };
const SPLIT_PARTS = [
  'CreateAccountListingIndexes1764316800211',
  'CreateLedgerEntries1764316800212',
  'CreateTransfers1764316800213',
  'CreateOwnerBalances1764316800214',
];

/** Every table's columns, constraints, indexes and grants in `public`, as comparable text. */
async function schemaOf(client: Client): Promise<string[]> {
  const queries = [
    `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
     FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 'migrations'::regclass`,
    `SELECT tablename, indexname, indexdef FROM pg_indexes
     WHERE schemaname = 'public' AND tablename <> 'migrations'`,
    `SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
     WHERE table_schema = 'public' AND grantee LIKE 'tally_%'`,
  ];
  const rows = await Promise.all(queries.map(async (sql) => (await client.query(sql)).rows));
  return rows
    .flat()
    .map((row) => JSON.stringify(Object.values(row)))
    .sort();
}

const migrationNames = async (client: Client): Promise<string[]> =>
  (await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY name')).rows.map((r) => r.name);

describe('read-side migrations, one set per read model', () => {
  const databases: TestDatabase[] = [];
  const clients: Client[] = [];

  const migrated = async (label: string) => {
    const db = await createTestDatabase(label);
    databases.push(db);
    await runMigrations(db.url, accountReadModels.migrations, 'read');
    const client = new Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    clients.push(client);
    return { db, client };
  };

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await Promise.all(databases.map((db) => db.drop()));
  });

  it('brings a database migrated before the split to the same schema as a new one, running nothing twice', async () => {
    const fresh = await migrated('migrations_fresh');
    // A database as the single migration left it: the same statements ran, under the old name.
    const old = await migrated('migrations_old');
    await old.client.query('DELETE FROM migrations WHERE name = ANY($1)', [SPLIT_PARTS]);
    await old.client.query('INSERT INTO migrations (timestamp, name) VALUES ($1, $2)', [
      BEFORE_THE_SPLIT.timestamp,
      BEFORE_THE_SPLIT.name,
    ]);

    // Without the parts' check, this fails: relation "ledger_entries" already exists.
    await runMigrations(old.db.url, accountReadModels.migrations, 'read');

    expect(await schemaOf(old.client)).toEqual(await schemaOf(fresh.client));
    expect(await migrationNames(old.client)).toEqual(
      expect.arrayContaining([BEFORE_THE_SPLIT.name, ...SPLIT_PARTS]),
    );
    expect(await migrationNames(fresh.client)).not.toContain(BEFORE_THE_SPLIT.name);
  });

  it('gives every read model the tables it declares', async () => {
    const { client } = await migrated('migrations_tables');
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    expect(rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(accountReadModels.tables));
  });
});
