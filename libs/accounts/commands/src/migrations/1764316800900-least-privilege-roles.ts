import { COMMAND_ROLE, QUERY_ROLE, ensureRole, grantServiceRole, revokeServiceRole } from '@tally/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The command service may run as `tally_command`: it appends events and reads them, and keeps its
 * bookkeeping (streams, snapshots, idempotency keys, transfers in flight, relay checkpoints), but it
 * cannot rewrite history: no UPDATE, DELETE or TRUNCATE on `events`. `tally_query` may not even
 * connect here. Without the right to create roles (and without the roles), nothing changes.
 */
export class LeastPrivilegeRoles1764316800900 implements MigrationInterface {
  name = 'LeastPrivilegeRoles1764316800900';

  async up(db: QueryRunner): Promise<void> {
    const [command, query] = [await ensureRole(db, COMMAND_ROLE), await ensureRole(db, QUERY_ROLE)];
    if (!command || !query) return;
    await grantServiceRole(db, COMMAND_ROLE, QUERY_ROLE);
    await db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON TABLE events FROM ${COMMAND_ROLE}`);
  }

  async down(db: QueryRunner): Promise<void> {
    await revokeServiceRole(db, COMMAND_ROLE);
  }
}
