import type { Type } from '@nestjs/common';
import type { MigrationClass } from '@tally/database';
import type { BulkLoadable } from '@tally/projections';

/**
 * One read model, whole: the tables it owns and the migrations that make them, its entities, its
 * routes and its projection. `account-read-models.ts` composes the slices; no slice imports another
 * (who may see an account is asked of `access/`, pages are cut by `pagination/`).
 */
export interface ReadModelSlice {
  /** The tables its projection writes; a rebuild recreates and swaps exactly these. */
  tables: string[];
  migrations: MigrationClass[];
  entities: Type[];
  controllers: Type[];
  /** Every read model here also offers the rebuild's bulk path. */
  projection: () => BulkLoadable;
}
