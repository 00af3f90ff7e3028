import { randomUUID } from 'node:crypto';
import { COMMAND_ROLE, QUERY_ROLE, runMigrations } from '@tally/database';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Client } from 'pg';
import { writeSideMigrations } from './write-side-migrations';

jest.setTimeout(30_000);

const as = (url: string, role: string) => {
  const target = new URL(url);
  target.username = role;
  target.password = '';
  return target.toString();
};

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

/** What the command service's own database role may and may not do to the write database. */
describe('least privilege on the write database', () => {
  let db: TestDatabase;
  let command: Client;

  beforeAll(async () => {
    db = await createTestDatabase('least_privilege');
    // Twice, concurrently, as instances starting together would: roles are shared by the whole server.
    const other = await createTestDatabase('least_privilege_other');
    await Promise.all([
      runMigrations(db.url, writeSideMigrations, 'write'),
      runMigrations(other.url, writeSideMigrations, 'write'),
    ]);
    await other.drop();
    command = await connect(as(db.url, COMMAND_ROLE));
  });

  afterAll(async () => {
    await command?.end();
    await db?.drop();
  });

  it('lets tally_command append and read events and keep its bookkeeping', async () => {
    const streamId = `account-${randomUUID()}`;
    await command.query("INSERT INTO streams (stream_id, stream_type, version) VALUES ($1, 'account', 1)", [
      streamId,
    ]);
    await command.query(
      `INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
       VALUES ($1, 1, $2, 'tally.account.opened', 1, '{}', '{}', now())`,
      [streamId, randomUUID()],
    );
    await command.query('UPDATE streams SET version = 1 WHERE stream_id = $1', [streamId]);
    expect((await command.query('SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(1);
    await command.query('SELECT 1 FROM snapshots, idempotency_keys, transfers_in_flight, relay_checkpoints');
  });

  it.each([
    ['UPDATE', 'UPDATE events SET data = \'{"amount": 1000000}\''],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events CASCADE'],
    ['DDL', 'ALTER TABLE events DISABLE TRIGGER ALL'],
    ['DROP', 'DROP TABLE events'],
  ])('refuses tally_command to %s events', async (_, sql) => {
    await expect(command.query(sql)).rejects.toMatchObject({ code: '42501' });
    expect((await command.query('SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(1);
  });

  it('refuses tally_query a connection to the write database', async () => {
    await expect(connect(as(db.url, QUERY_ROLE))).rejects.toMatchObject({ code: '42501' });
  });
});
