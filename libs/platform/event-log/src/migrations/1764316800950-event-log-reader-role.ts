import { COMMAND_ROLE, EVENT_LOG_READER_ROLE, ensureRole } from '@tally/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read side replays the event store (a rebuild, a new replica set) as `tally_event_reader`: it may
 * connect to the write database and SELECT from `events`, nothing else (no other table, no write).
 * Runs after the write side's least-privilege migration, which revoked CONNECT from PUBLIC. Without
 * the right to create roles (and without the roles), nothing changes.
 */
export class EventLogReaderRole1764316800950 implements MigrationInterface {
  name = 'EventLogReaderRole1764316800950';

  async up(db: QueryRunner): Promise<void> {
    if (!(await ensureRole(db, EVENT_LOG_READER_ROLE)) || !(await ensureRole(db, COMMAND_ROLE))) return;
    const [{ name }] = await db.query('SELECT current_database() AS name');
    await db.query(
      `GRANT CONNECT ON DATABASE "${String(name).replace(/"/g, '""')}" TO ${EVENT_LOG_READER_ROLE}`,
    );
    await db.query(`GRANT USAGE ON SCHEMA public TO ${EVENT_LOG_READER_ROLE}`);
    await db.query(`GRANT SELECT ON TABLE events TO ${EVENT_LOG_READER_ROLE}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`REVOKE ALL ON TABLE events FROM ${EVENT_LOG_READER_ROLE}`);
    await db.query(`REVOKE USAGE ON SCHEMA public FROM ${EVENT_LOG_READER_ROLE}`);
    const [{ name }] = await db.query('SELECT current_database() AS name');
    await db.query(
      `REVOKE CONNECT ON DATABASE "${String(name).replace(/"/g, '""')}" FROM ${EVENT_LOG_READER_ROLE}`,
    );
  }
}
