import {
  RebuildAlreadyRunningError,
  RebuildJob,
  type RebuildJobOptions,
  type RebuildJobStatus,
} from '@tally/projections';
import {
  EventStreams,
  asDelivered,
  asMessages,
  createTestTopic,
  eventually,
  produce,
  quietLogger as quiet,
} from '@tally/testing';
import type { Kafka } from 'kafkajs';
import { accountReadModels } from './account-read-models';
import { createReadDatabase, foldReadModels, readModelSnapshot, type ReadDatabase } from './testing';

jest.setTimeout(120_000);

describe('a rebuild that can be watched and cancelled', () => {
  let db: ReadDatabase;
  let kafka: Kafka;
  let topic: string;
  const streams = new EventStreams();
  const query = (sql: string, params?: unknown[]) => db.dataSource.query(sql, params);
  const shadowSchemas = async () =>
    (await query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`)).map(
      (row: { nspname: string }) => row.nspname,
    );
  const groupExists = async (groupId: string) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.listGroups()).groups.some((group) => group.groupId === groupId);
    } finally {
      await admin.disconnect();
    }
  };
  const options = (label: string): RebuildJobOptions => ({
    kafka,
    topic,
    databaseUrl: db.url,
    projector: accountReadModels.projector,
    groupId: `${topic}-rebuild-${label}`,
    label,
    tables: accountReadModels.tables,
    entities: accountReadModels.entities,
    projections: accountReadModels.projections,
    logger: quiet,
  });

  beforeAll(async () => {
    db = await createReadDatabase('rebuild_job', 2);
    ({ kafka, topic } = await createTestTopic('rebuild-job', 3));
    const ids = Array.from(
      { length: 10 },
      (_, i) => (streams.open(`owner${i}`).data as { accountId: string }).accountId,
    );
    for (let round = 0; round < 5; round++) for (const id of ids) streams.deposit(id, 10);
    await produce(kafka, topic, asMessages(streams.events));
  });

  afterAll(() => db?.drop());

  it('cancelled while it waits to swap: no shadow schema, no consumer group, live tables as they were', async () => {
    // A stream the live tables hold further than any event: the rebuild can never catch up, so it
    // keeps trying to swap (its shadow schema and its catch-up group both exist) until cancelled.
    await query(
      `INSERT INTO stream_positions (projector, stream_id, version) VALUES ('accounts', 'account-ghost', 5)`,
    );
    const before = {
      rows: await readModelSnapshot((sql) => query(sql)),
      positions: await query('SELECT projector, stream_id, version FROM stream_positions ORDER BY 2'),
    };
    const job = await RebuildJob.start(options('cancelled'));
    const seen: RebuildJobStatus[] = [];
    job.onProgress((status) => seen.push(status));
    await eventually(async () => {
      expect(job.status().progress.phase).toBe('swapping');
      expect(await shadowSchemas()).toEqual(['rebuild_cancelled']);
      expect(await groupExists(`${topic}-rebuild-cancelled`)).toBe(true);
    }, 60_000);
    // One at a time per read database, whoever asks.
    await expect(RebuildJob.start(options('second'))).rejects.toBeInstanceOf(RebuildAlreadyRunningError);

    expect(job.cancel()).toBe(true);
    const outcome = await job.finished;
    expect(outcome).toMatchObject({
      id: 'cancelled',
      state: 'cancelled',
      cancelRequested: true,
      result: null,
    });
    expect(outcome.finishedAt).not.toBeNull();
    expect(job.cancel()).toBe(false);
    expect(seen.at(-1)?.state).toBe('cancelled');
    expect(seen.some((s) => s.progress.phase === 'catching-up')).toBe(true);
    expect(await shadowSchemas()).toEqual([]);
    expect(await groupExists(`${topic}-rebuild-cancelled`)).toBe(false);
    expect({
      rows: await readModelSnapshot((sql) => query(sql)),
      positions: await query('SELECT projector, stream_id, version FROM stream_positions ORDER BY 2'),
    }).toEqual(before);
    await query(`DELETE FROM stream_positions WHERE stream_id = 'account-ghost'`);
  });

  it('runs to the swap, reporting its phases, and keeps its result; the next may start then', async () => {
    // The live tables were never filled (no live consumer here): the swapped-in ones hold every event.
    const job = await RebuildJob.start(options('completes'));
    const phases = new Set<string>();
    job.onProgress((status) => phases.add(status.progress.phase));
    const outcome = await job.finished;
    expect(outcome).toMatchObject({
      state: 'succeeded',
      error: null,
      progress: { phase: 'done', source: 'topic', done: 60, total: 60, applied: 60 },
      result: { messages: 60, applied: 60, retiredSchema: null },
    });
    expect(outcome.result!.seconds).toBeGreaterThan(0);
    expect(job.status()).toEqual(outcome);
    expect(phases).toEqual(expect.objectContaining(new Set(['done'])));
    expect(await readModelSnapshot((sql) => query(sql))).toEqual(foldReadModels(asDelivered(streams.events)));
    expect(await shadowSchemas()).toEqual([]);
    // The lock went with it.
    const next = await RebuildJob.start(options('after'));
    expect((await next.finished).state).toBe('succeeded');
  });
});
