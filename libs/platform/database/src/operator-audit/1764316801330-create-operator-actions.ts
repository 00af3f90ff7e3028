import type { MigrationInterface, QueryRunner } from 'typeorm';
import { COMMAND_ROLE, EVENT_LOG_READER_ROLE, ensureRole } from '../roles';

/**
 * `operator_actions`: every operator action (re-drive, mark handled, rebuild start and cancel, balance
 * adjustment), appended and never changed. No role may UPDATE, DELETE or TRUNCATE it (the service
 * roles lose those rights; a trigger refuses them to everyone else, the owner included, until an
 * administrator drops the trigger on purpose). `tally_command` (adjustments, console) and
 * `tally_event_reader` (the operators' command line) may INSERT and SELECT.
 */
export class CreateOperatorActions1764316801330 implements MigrationInterface {
  name = 'CreateOperatorActions1764316801330';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE operator_actions (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at      timestamptz NOT NULL DEFAULT now(),
        actor   text NOT NULL,
        action  text NOT NULL,
        target  text NOT NULL,
        reason  text,
        outcome text NOT NULL,
        before  jsonb,
        after   jsonb
      )`);
    await db.query(`
      CREATE FUNCTION operator_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'operator_actions is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER operator_actions_no_update_or_delete BEFORE UPDATE OR DELETE ON operator_actions
        FOR EACH ROW EXECUTE FUNCTION operator_actions_append_only()`);
    await db.query(`
      CREATE TRIGGER operator_actions_no_truncate BEFORE TRUNCATE ON operator_actions
        FOR EACH STATEMENT EXECUTE FUNCTION operator_actions_append_only()`);
    await db.query('REVOKE UPDATE, DELETE, TRUNCATE ON operator_actions FROM PUBLIC');
    if (await ensureRole(db, COMMAND_ROLE)) {
      await db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON operator_actions FROM ${COMMAND_ROLE}`);
      await db.query(`GRANT SELECT, INSERT ON operator_actions TO ${COMMAND_ROLE}`);
    }
    if (await ensureRole(db, EVENT_LOG_READER_ROLE))
      await db.query(`GRANT SELECT, INSERT ON operator_actions TO ${EVENT_LOG_READER_ROLE}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE operator_actions');
    await db.query('DROP FUNCTION operator_actions_append_only()');
  }
}
