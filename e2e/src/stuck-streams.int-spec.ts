import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import { CreateEventStore1764316800000, PostgresEventStore, type NewEvent } from '@tally/event-store';
import {
  CreateParkedEvents1764316800110,
  CreateStreamPositions1764316800100,
  StuckStreams,
  applyInOneTransaction,
  appliedVersion,
  describeStuck,
  type Projection,
} from '@tally/projections';
import { createTestDatabase, quietLogger, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';

jest.setTimeout(60_000);

const PROJECTOR = 'stuck-test';

const newEvent = (n: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'tally.test.happened',
  schemaVersion: 1,
  data: { n },
  metadata: { correlationId: `corr-${n}`, causationId: `cause-${n}` },
  occurredAt: new Date(),
});

/** Remembers what it applied, in order: the read side's view of each stream. */
class RecordingProjection implements Projection {
  readonly name = 'recording';
  private readonly seen: string[] = [];
  async apply(events: EventEnvelope[]): Promise<void> {
    for (const event of events) this.seen.push(`${event.streamId}@${event.streamVersion}`);
  }
  /** What it applied of one stream (the tests share a read database: others heal too). */
  applied(streamId: string): string[] {
    return this.seen.filter((entry) => entry.startsWith(`${streamId}@`));
  }
}

/**
 * Issue #23's read side: the topic lost v2 of a stream, so v3 and v4 wait in parked_events for ever.
 * Past the bound the stream counts as stuck (readiness, metric); with the event store at hand the
 * replica fetches v2 from the store and applies it, which releases v3 and v4, each applied once.
 */
describe('stuck streams on the read side', () => {
  let write: TestDatabase;
  let read: TestDatabase;
  let writePool: Pool;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    [write, read] = await Promise.all([createTestDatabase('stuck_write'), createTestDatabase('stuck_read')]);
    await runMigrations(write.url, [CreateEventStore1764316800000], 'write');
    await runMigrations(
      read.url,
      [CreateStreamPositions1764316800100, CreateParkedEvents1764316800110],
      'read',
    );
    writePool = new Pool({ connectionString: write.url, max: 2 });
    store = new PostgresEventStore(writePool);
    dataSource = await new DataSource({ type: 'postgres', url: read.url, entities: [] }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await writePool?.end();
    await Promise.all([write?.drop(), read?.drop()]);
  });

  /** A stream of `count` events in the store; answers them as the topic carries them. */
  const streamInStore = async (count: number): Promise<EventEnvelope[]> => {
    const streamId = `account-${randomUUID()}`;
    for (let v = 0; v < count; v++) await store.append(streamId, 'account', v, [newEvent(v + 1)]);
    const { rows } = await writePool.query(
      `SELECT event_id AS "eventId", event_type AS type, schema_version AS "schemaVersion", stream_id AS "streamId",
              stream_version AS "streamVersion", data, metadata, occurred_at AS "occurredAt"
       FROM events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    const events = rows.map((row) => ({ ...row, occurredAt: row.occurredAt.toISOString() }));
    return events;
  };

  /** What the consumer does with the events that did reach the topic. */
  const consume = (projection: Projection, events: EventEnvelope[]) =>
    applyInOneTransaction(dataSource, PROJECTOR, [projection], events);

  const ageParked = (streamId: string, seconds: number) =>
    dataSource.query(
      `UPDATE parked_events SET parked_at = now() - make_interval(secs => $3) WHERE projector = $1 AND stream_id = $2`,
      [PROJECTOR, streamId, seconds],
    );

  const stuckStreams = (projection: Projection, eventStoreDatabaseUrl?: string) =>
    new StuckStreams({
      dataSource,
      projector: PROJECTOR,
      projections: [projection],
      stuckAfterMs: 30_000,
      eventStoreDatabaseUrl,
      logger: quietLogger,
    });

  it('counts a stream as stuck only once its events have waited past the bound, measured from the first parking', async () => {
    const projection = new RecordingProjection();
    const [v1, , v3, v4] = await streamInStore(5);
    await consume(projection, [v1, v3]); // v2 never arrived: v3 parked
    const stuck = stuckStreams(projection);
    expect(await stuck.find()).toEqual([]);

    await ageParked(v1.streamId, 45);
    // A later event re-parks v3 with v4: v3 keeps its first parking time, so the stream stays stuck.
    await consume(projection, [v4]);
    const found = await stuck.find();
    expect(found).toEqual([
      { streamId: v1.streamId, applied: 1, firstParked: 3, lastParked: 4, parkedSeconds: expect.any(Number) },
    ]);
    expect(found[0].parkedSeconds).toBeGreaterThanOrEqual(45);
    expect(describeStuck(found, 30_000)).toContain(`${v1.streamId}: version 1 applied, 3 parked`);
    expect(describeStuck(found, 30_000)).toContain('npm run republish');
    expect(describeStuck(found, 30_000, true)).toContain('fetches the missing events from the event store');

    // Without the store it can only say so: the stream stays stuck.
    expect(await stuck.heal()).toHaveLength(1);
    expect(await appliedVersion(dataSource, PROJECTOR, v1.streamId)).toBe(1);
  });

  it('heals a stuck stream from the event store: the missing events applied once, the parked ones released', async () => {
    const projection = new RecordingProjection();
    const events = await streamInStore(6);
    const [v1, v2, , v4, , v6] = events;
    await consume(projection, [v1, v2, v4, v6]); // v3 and v5 lost on the way
    await ageParked(v1.streamId, 120);
    const stuck = stuckStreams(projection, write.url);
    try {
      expect(await stuck.heal()).toEqual([]);
    } finally {
      await stuck.close();
    }
    expect(await appliedVersion(dataSource, PROJECTOR, v1.streamId)).toBe(6);
    expect(projection.applied(v1.streamId)).toEqual([1, 2, 3, 4, 5, 6].map((v) => `${v1.streamId}@${v}`));
    const [{ parked }] = await dataSource.query(
      'SELECT count(*)::int AS parked FROM parked_events WHERE projector = $1 AND stream_id = $2',
      [PROJECTOR, v1.streamId],
    );
    expect(parked).toBe(0);

    // The lost events arriving late (a republish) change nothing.
    await consume(projection, events);
    expect(projection.applied(v1.streamId)).toHaveLength(6);
  });

  it('leaves alone a stream whose parked events are younger than the bound', async () => {
    const projection = new RecordingProjection();
    const [v1, , v3] = await streamInStore(3);
    await consume(projection, [v1, v3]);
    const stuck = stuckStreams(projection, write.url);
    try {
      expect(await stuck.heal()).toEqual([]);
    } finally {
      await stuck.close();
    }
    expect(await appliedVersion(dataSource, PROJECTOR, v1.streamId)).toBe(1);
    expect(projection.applied(v1.streamId)).toEqual([`${v1.streamId}@1`]);
  });
});
