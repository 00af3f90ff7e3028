import { runMigrations } from '@tally/database';
import { createTestDatabase, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { CreateParkedEvents1764316800110 } from '../migrations/1764316800110-create-parked-events';
import { CreateStreamPositions1764316800100 } from '../migrations/1764316800100-create-stream-positions';
import { createShadowTables, indexShadowTables, projectionTables, swapInShadowTables } from './shadow-tables';

jest.setTimeout(30_000);

/** The swap's check: the rebuilt tables must hold at least what the live ones hold, parked events included. */
describe('swapping the rebuilt tables in', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('shadow_swap');
    await runMigrations(
      db.url,
      [CreateStreamPositions1764316800100, CreateParkedEvents1764316800110],
      'read',
    );
    pool = new Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const positions = (schema: string, rows: [string, number][]) =>
    pool.query(
      `INSERT INTO ${schema}.stream_positions (projector, stream_id, version)
       SELECT 'p', s, v FROM unnest($1::text[], $2::int[]) AS r(s, v)`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
  const parked = (schema: string, stream: string, version: number) =>
    pool.query(
      `INSERT INTO ${schema}.parked_events (projector, stream_id, version, event) VALUES ('p', $1, $2, '{}')`,
      [stream, version],
    );
  const attempt = async (schema: string) => {
    const client = await pool.connect();
    try {
      return await swapInShadowTables(client, {
        schema,
        retiredSchema: `retired_${schema}`,
        tables: projectionTables,
        projector: 'p',
      });
    } finally {
      client.release();
    }
  };
  const shadow = async (schema: string) => {
    const client = await pool.connect();
    try {
      await createShadowTables(client, schema, projectionTables);
      await indexShadowTables(client, schema, projectionTables);
    } finally {
      client.release();
    }
  };

  it('waits while the live tables hold a parked event the rebuilt ones have neither applied nor parked', async () => {
    // Live: s1 applied to 3; s2 never seen before version 5 (its history lost from the topic), parked.
    await positions('public', [
      ['s1', 3],
      ['s2', 0],
    ]);
    await parked('public', 's2', 5);

    await shadow('rebuild_a');
    await positions('rebuild_a', [
      ['s1', 3],
      ['s2', 4],
    ]);
    expect(await attempt('rebuild_a')).toEqual({ swapped: false, behind: 1 });
    // Once the rebuilt tables have applied version 5 (or hold it parked), they may go in.
    await pool.query(`UPDATE rebuild_a.stream_positions SET version = 5 WHERE stream_id = 's2'`);
    expect(await attempt('rebuild_a')).toEqual({ swapped: true });
    const [{ version }] = (
      await pool.query(`SELECT version FROM public.stream_positions WHERE stream_id = 's2'`)
    ).rows;
    expect(version).toBe(5);

    await shadow('rebuild_b');
    await positions('rebuild_b', [['s1', 2]]);
    expect(await attempt('rebuild_b')).toEqual({ swapped: false, behind: 2 }); // s1 and s2 behind
    await positions('rebuild_b', [['s2', 4]]);
    await parked('rebuild_b', 's2', 6);
    await pool.query(`UPDATE rebuild_b.stream_positions SET version = 3 WHERE stream_id = 's1'`);
    expect(await attempt('rebuild_b')).toEqual({ swapped: false, behind: 1 }); // s2 at 4 < 5
    await parked('rebuild_b', 's2', 5);
    await parked('public', 's2', 6);
    await pool.query(`UPDATE rebuild_b.stream_positions SET version = 5 WHERE stream_id = 's2'`);
    expect(await attempt('rebuild_b')).toEqual({ swapped: true });
  });
});
