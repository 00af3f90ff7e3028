import { COMMAND_ROLE, QUERY_ROLE, ensureRole, grantServiceRole, revokeServiceRole } from '@tally/database';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The query service may run as `tally_query`: it reads and writes the read tables (projections,
 * positions, parked events) and nothing else; `tally_command` may not connect here. A rebuild
 * creates and swaps tables, so it runs as the owner (READ_MIGRATION_DATABASE_URL).
 */
export class LeastPrivilegeRole1764316800900 implements MigrationInterface {
  name = 'LeastPrivilegeRole1764316800900';

  async up(db: QueryRunner): Promise<void> {
    const [query, command] = [await ensureRole(db, QUERY_ROLE), await ensureRole(db, COMMAND_ROLE)];
    if (!query || !command) return;
    await grantServiceRole(db, QUERY_ROLE, COMMAND_ROLE);
  }

  async down(db: QueryRunner): Promise<void> {
    await revokeServiceRole(db, QUERY_ROLE);
  }
}
