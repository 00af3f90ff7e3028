import { COMMAND_ROLE, QUERY_ROLE, runMigrations } from '@tally/database';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Client } from 'pg';
import { accountReadModels } from './account-read-models';

jest.setTimeout(30_000);

const as = (url: string, role: string) => {
  const target = new URL(url);
  target.username = role;
  return target.toString();
};

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

/** The query service's own role on the read database, and no one else's. */
describe('least privilege on the read database', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('least_privilege_read');
    await runMigrations(db.url, accountReadModels.migrations, 'read');
  });
  afterAll(() => db?.drop());

  it('lets tally_query read and write the read tables, but not change their shape', async () => {
    const query = await connect(as(db.url, QUERY_ROLE));
    try {
      for (const table of accountReadModels.tables) await query.query(`DELETE FROM ${table} WHERE false`); // DML is granted
      await query.query('SELECT count(*) FROM stream_positions');
      await expect(query.query('DROP TABLE accounts')).rejects.toMatchObject({ code: '42501' });
      await expect(query.query('SELECT * FROM migrations')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await query.end();
    }
  });

  it('refuses tally_command a connection to the read database', async () => {
    await expect(connect(as(db.url, COMMAND_ROLE))).rejects.toMatchObject({ code: '42501' });
  });
});
