import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { closedLoop, type LoadResult } from './closed-loop';

/** The baseline writes the same row shape as Tally's events table, one single-row INSERT per transaction. */
export const RAW_TABLE = `
  CREATE TABLE raw_events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id text NOT NULL, stream_version integer NOT NULL, event_id uuid NOT NULL UNIQUE,
    event_type text NOT NULL, schema_version integer NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
    occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (stream_id, stream_version))`;
export const RAW_INSERT = `INSERT INTO raw_events (stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
  VALUES ($1, 1, $2, 'tally.account.money-deposited', 1, $3, $4, $5)`;
const metadata = JSON.stringify({ correlationId: 'bench', causationId: 'bench' });

export const rawInsert = (pool: Pool) => () =>
  pool.query(RAW_INSERT, [`s-${randomUUID()}`, randomUUID(), '{"amount":100}', metadata, new Date()]);

/** Raw single-row INSERTs (one transaction each) on a throwaway database, at a fixed concurrency. */
export async function rawInsertRate(concurrency: number, durationMs: number): Promise<LoadResult> {
  const db = await createTestDatabase('bench_raw');
  const pool = new Pool({ connectionString: db.url, max: concurrency });
  try {
    await pool.query(RAW_TABLE);
    const insert = rawInsert(pool);
    await closedLoop(insert, { concurrency, durationMs: 1_000 });
    return await closedLoop(insert, { concurrency, durationMs });
  } finally {
    await pool.end();
    await db.drop();
  }
}
