import { Client } from 'pg';

/** The writes a statement-failure fault breaks: snapshots, idempotency records and transfer steps. */
const FAILING_TABLES = ['snapshots', 'idempotency_keys', 'transfers_in_flight'] as const;

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Statement failures inside the services' transactions, in the chaos run's own PostgreSQL: a trigger on
 * each table above fails a share of its inserts, updates and deletes while switched on (the share is
 * chosen by the run's seeded random), each with the error production would give (statement timeout,
 * lock timeout, deadlock, disk full). The switch is a row, so turning it on and off needs no DDL while
 * the services run.
 */
export class StatementFailures {
  constructor(private readonly writeDbUrl: string) {}

  /** Once, after the command services have created their tables. */
  install(): Promise<void> {
    return withClient(this.writeDbUrl, async (db) => {
      await db.query(`
        CREATE TABLE IF NOT EXISTS chaos_statement_failures (
          id boolean PRIMARY KEY DEFAULT true CHECK (id), share float8 NOT NULL);
        INSERT INTO chaos_statement_failures VALUES (true, 0) ON CONFLICT DO NOTHING;
        CREATE OR REPLACE FUNCTION chaos_fail_statement() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE chance float8; state text;
        BEGIN
          SELECT share INTO chance FROM chaos_statement_failures;
          IF chance > 0 AND random() < chance THEN
            -- What fails a write in production: a statement or lock timeout, a deadlock, a full disk.
            state := (ARRAY['57014', '55P03', '40P01', '53100'])[1 + floor(random() * 4)::int];
            RAISE EXCEPTION 'chaos: injected failure % of % on %', state, TG_OP, TG_TABLE_NAME USING ERRCODE = state;
          END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$;`);
      for (const table of FAILING_TABLES)
        await db.query(`
          CREATE OR REPLACE TRIGGER chaos_fail_statement BEFORE INSERT OR UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION chaos_fail_statement()`);
    });
  }

  /** Fails a share (0..1) of those writes until switched off with share 0. */
  setShare(share: number): Promise<void> {
    return withClient(this.writeDbUrl, async (db) => {
      await db.query('UPDATE chaos_statement_failures SET share = $1', [share]);
    });
  }
}

/**
 * A long transaction in another database of the same server: it holds a transaction id (and so the
 * server-wide xmin horizon) for `ms`, as a report or a forgotten psql session would. Resolves once the
 * transaction is open; `ended` settles when it has committed (or failed: a crash fault meanwhile).
 */
export async function openLongTransaction(
  serverUrl: (database: string) => string,
  ms: number,
): Promise<{ ended: Promise<void> }> {
  await withClient(serverUrl('postgres'), async (db) => {
    const exists = await db.query(`SELECT 1 FROM pg_database WHERE datname = 'chaos_other'`);
    if (exists.rowCount === 0) await db.query('CREATE DATABASE chaos_other');
  });
  const db = new Client({ connectionString: serverUrl('chaos_other'), connectionTimeoutMillis: 5_000 });
  db.on('error', () => undefined);
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query('SELECT pg_current_xact_id()');
  } catch (error) {
    await db.end().catch(() => undefined);
    throw error;
  }
  const ended = new Promise<void>((resolve) => setTimeout(resolve, ms))
    .then(() => db.query('COMMIT'))
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => db.end().catch(() => undefined));
  return { ended };
}
