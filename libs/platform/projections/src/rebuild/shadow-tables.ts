import { transaction } from '@tally/database';
import type { PoolClient } from 'pg';

/** The runtime's own tables, rebuilt and swapped together with the read tables they keep in step. */
export const projectionTables = ['stream_positions', 'parked_events'];

export const identifier = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a plain SQL identifier: ${name}`);
  return name;
};

/**
 * Creates empty twins of the live tables in `schema`: same columns, defaults, checks, generated and
 * identity columns, but no keys or indexes yet (see indexShadowTables): loading rows first and
 * building each index once, by sorting, costs a fraction of maintaining it row by row.
 */
export async function createShadowTables(db: PoolClient, schema: string, tables: string[]): Promise<void> {
  const target = identifier(schema);
  await transaction(db, async () => {
    await db.query(`CREATE SCHEMA ${target}`);
    for (const table of tables.map(identifier))
      await db.query(
        `CREATE TABLE ${target}.${table} (LIKE public.${table}
           INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY)`,
      );
  });
}

/**
 * Gives the shadow tables the live tables' primary keys, unique and exclusion constraints and
 * indexes, under the same names (names are per schema), so that after the swap the tables look
 * exactly as the migrations made them and later migrations still find what they expect. Fails if
 * the loaded rows break a key, which would be a bug in a bulk load.
 */
export async function indexShadowTables(db: PoolClient, schema: string, tables: string[]): Promise<void> {
  const target = identifier(schema);
  // Index builds sort in memory up to this much (the default 64 MB spills a large ledger to disk).
  await db.query(`SET maintenance_work_mem = '256MB'`);
  for (const table of tables.map(identifier)) {
    const constraints: { name: string; definition: string }[] = (
      await db.query(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
         WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname`,
        [`public.${table}`],
      )
    ).rows;
    for (const { name, definition } of constraints)
      await db.query(`ALTER TABLE ${target}.${table} ADD CONSTRAINT "${name}" ${definition}`);
    const indexes: { definition: string }[] = (
      await db.query(
        `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
         WHERE i.indrelid = $1::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
        [`public.${table}`],
      )
    ).rows;
    for (const { definition } of indexes)
      await db.query(definition.replace(` ON public.${table} `, ` ON ${target}.${table} `));
    // Fresh statistics, so that the first queries after the swap get the plans the live tables had.
    await db.query(`ANALYZE ${target}.${table}`);
  }
  await db.query('RESET maintenance_work_mem');
}

/** `behind`: streams and parked events the live tables hold further than the rebuilt ones. */
export type SwapOutcome = { swapped: true } | { swapped: false; behind: number };

/**
 * Swaps the rebuilt tables in, atomically, if and only if they have applied at least everything the
 * live tables have (every stream position ≥ the live one, every event parked live applied or parked). The live consumers are held out for the
 * instant of the swap by the table locks; when they resume, their statements resolve the table names
 * again and continue on the new tables, whose positions make every event they re-read a no-op.
 * Readers wait for the locks (milliseconds) and then see the new tables; they never see an error.
 */
export async function swapInShadowTables(
  db: PoolClient,
  options: { schema: string; retiredSchema: string; tables: string[]; projector: string },
): Promise<SwapOutcome> {
  const shadow = identifier(options.schema);
  const retired = identifier(options.retiredSchema);
  const tables = options.tables.map(identifier);
  try {
    return await transaction(db, () => swapIfCaughtUp(db, shadow, retired, tables, options.projector));
  } catch (error) {
    if (error instanceof Behind) return { swapped: false, behind: error.behind };
    throw error;
  }
}

/** The rebuilt tables are behind the live ones: the swap's transaction is rolled back. */
class Behind extends Error {
  constructor(readonly behind: number) {
    super(`The rebuilt tables are behind the live ones by ${behind}`);
  }
}

async function swapIfCaughtUp(
  db: PoolClient,
  shadow: string,
  retired: string,
  tables: string[],
  projector: string,
): Promise<SwapOutcome> {
  await db.query(`SET LOCAL lock_timeout = '5s'`);
  // stream_positions first: the order in which a projection transaction takes them (no deadlock).
  await db.query(`LOCK TABLE ${tables.map((t) => `public.${t}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  // Behind: a stream the live tables applied further, or an event the live consumer has parked
  // (read from the topic, its offset committed) that the rebuilt tables neither applied nor hold
  // parked. Without the second, a parked event would stay behind in the retired tables.
  const [{ behind }] = (
    await db.query(
      `SELECT (SELECT count(*) FROM public.stream_positions l
                 LEFT JOIN ${shadow}.stream_positions r ON r.projector = l.projector AND r.stream_id = l.stream_id
                 WHERE l.projector = $1 AND l.version > coalesce(r.version, 0))::int
              + (SELECT count(*) FROM public.parked_events l
                 LEFT JOIN ${shadow}.stream_positions r ON r.projector = l.projector AND r.stream_id = l.stream_id
                 WHERE l.projector = $1 AND l.version > coalesce(r.version, 0)
                   AND NOT EXISTS (SELECT FROM ${shadow}.parked_events p
                     WHERE p.projector = l.projector AND p.stream_id = l.stream_id AND p.version = l.version))::int
           AS behind`,
      [projector],
    )
  ).rows;
  if (behind > 0) throw new Behind(behind);
  await db.query(`CREATE SCHEMA ${retired}`);
  for (const table of tables) {
    await db.query(`ALTER TABLE public.${table} SET SCHEMA ${retired}`);
    await db.query(`ALTER TABLE ${shadow}.${table} SET SCHEMA public`);
  }
  return { swapped: true };
}
