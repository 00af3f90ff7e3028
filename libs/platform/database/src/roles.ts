import { MIGRATIONS_TABLE } from './migrate';

/**
 * Least privilege in PostgreSQL. The migrations run as the database's owner (the migrator); the
 * services may run as these roles, which can do only what their side needs:
 * - `tally_command` connects to the write database only, and may append to and read the event store
 *   but never UPDATE, DELETE or TRUNCATE an event;
 * - `tally_query` connects to the read database only, and may read and write its read tables;
 * - `tally_event_reader` connects to the write database only, and may only SELECT from `events`: what
 *   the read side needs to replay the event store (a rebuild, a new replica set).
 * Roles are cluster-wide and created without a password (set one, or use certificates, to log in
 * with anything but trust or peer authentication).
 */
export const COMMAND_ROLE = 'tally_command';
export const QUERY_ROLE = 'tally_query';
export const EVENT_LOG_READER_ROLE = 'tally_event_reader';

interface Sql {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

const DML = 'SELECT, INSERT, UPDATE, DELETE';

/**
 * Creates the LOGIN role unless it exists. Several migrations (parallel tests, instances starting
 * together) may race to create the same cluster-wide role: the loser's error is swallowed. A
 * migrator without CREATEROLE leaves it to an administrator (`CREATE ROLE tally_command LOGIN`).
 * Resolves with whether the role exists now.
 */
export async function ensureRole(db: Sql, role: string): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`Not a plain role name: ${role}`);
  await db.query(`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
        BEGIN
          CREATE ROLE ${role} LOGIN;
        EXCEPTION
          WHEN duplicate_object OR unique_violation THEN NULL; -- created concurrently
          WHEN insufficient_privilege THEN
            RAISE WARNING 'cannot create role ${role}: create it as an administrator and migrate again';
        END;
      END IF;
    END $$`);
  const rows = (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])) as unknown[];
  return rows.length > 0;
}

/**
 * Makes `role` the only non-owner that may connect to the current database, with DML on its tables
 * (and on the tables the migrator creates later, in any schema, e.g. a rebuild's shadow tables) and
 * none on the migrations table. The other side's role is named so that it can be refused explicitly.
 */
export async function grantServiceRole(db: Sql, role: string, otherRole: string): Promise<void> {
  const [{ name }] = (await db.query('SELECT current_database() AS name')) as [{ name: string }];
  const database = `"${name.replace(/"/g, '""')}"`;
  await db.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
  await db.query(`REVOKE ALL ON DATABASE ${database} FROM ${otherRole}`);
  await db.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
  await db.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await db.query(`GRANT ${DML} ON ALL TABLES IN SCHEMA public TO ${role}`);
  await db.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  await db.query(`REVOKE ALL ON TABLE ${MIGRATIONS_TABLE} FROM ${role}`);
  await db.query(`ALTER DEFAULT PRIVILEGES GRANT ${DML} ON TABLES TO ${role}`);
  await db.query(`ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO ${role}`);
}

/** Undoes `grantServiceRole` for `role` in the current database (a migration's `down`). */
export async function revokeServiceRole(db: Sql, role: string): Promise<void> {
  await db.query(`ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM ${role}`);
  await db.query(`ALTER DEFAULT PRIVILEGES REVOKE ALL ON SEQUENCES FROM ${role}`);
  await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
  await db.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
  await db.query(`REVOKE USAGE ON SCHEMA public FROM ${role}`);
}
