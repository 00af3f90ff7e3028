import type { Queryable } from '../queryable';

export interface Snapshot<State = unknown> {
  version: number;
  state: State;
}

/** Folded stream states, so that loading a long stream reads only the events after its snapshot. */
export class SnapshotStore {
  constructor(private readonly db: Queryable) {}

  /** The stream's snapshot if one of this kind exists; undefined means "fold from the start". */
  async load<State>(streamId: string, kind: string): Promise<Snapshot<State> | undefined> {
    const { rows } = await this.db.query<{ version: number; state: State }>(
      'SELECT version, state FROM snapshots WHERE stream_id = $1 AND kind = $2',
      [streamId, kind],
    );
    return rows[0];
  }

  /** Keeps the newest snapshot: a slower writer with an older state never overwrites a newer one. */
  async save(streamId: string, kind: string, snapshot: Snapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO snapshots (stream_id, kind, version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET kind = EXCLUDED.kind, version = EXCLUDED.version,
         state = EXCLUDED.state, taken_at = now()
       WHERE snapshots.version < EXCLUDED.version OR snapshots.kind <> EXCLUDED.kind`,
      [streamId, kind, snapshot.version, JSON.stringify(snapshot.state)],
    );
  }
}
