import { foldReadModels, readModelSnapshot } from '@tally/accounts-read-models/testing';
import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import { eventually } from '@tally/testing';
import { Client } from 'pg';
import { TestSystem, post } from './system';

jest.setTimeout(180_000);

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The event store, decoded (and upcast) exactly as the read side decodes the topic. */
const eventStore = (url: string): Promise<EventEnvelope[]> =>
  withClient(url, async (client) =>
    (
      await client.query(
        `SELECT event_id, event_type, schema_version, stream_id, stream_version, occurred_at, data, metadata
         FROM events ORDER BY global_position`,
      )
    ).rows.map((row) =>
      decodeEvent(
        JSON.stringify({
          eventId: row.event_id,
          type: row.event_type,
          schemaVersion: row.schema_version,
          streamId: row.stream_id,
          streamVersion: row.stream_version,
          occurredAt: new Date(row.occurred_at).toISOString(),
          data: row.data,
          metadata: row.metadata,
        }),
      ),
    ),
  );

describe('query-service replicas in one consumer group', () => {
  const system = new TestSystem('replicas');
  let admin: string;

  beforeAll(async () => {
    await system.start();
    admin = await system.admin();
  });
  afterAll(() => system.stop());

  it('a replica joining and another killed mid-stream lose nothing and apply nothing twice', async () => {
    const accounts: string[] = [];
    for (let i = 0; i < 12; i++)
      accounts.push(
        (await post(system.command.url, '/accounts', { ownerId: `rep${i % 3}`, currency: 'EUR' }, admin)).body
          .accountId,
      );
    let writing = true;
    let deposits = 0;
    const writers = accounts.slice(0, 6).map(async (_, w) => {
      for (let i = 0; writing; i++) {
        const accountId = accounts[(w + i * 6) % accounts.length];
        const response = await post(
          system.command.url,
          `/accounts/${accountId}/deposits`,
          { amount: 1 + (i % 9) },
          admin,
        );
        if (response.status === 200) deposits++;
      }
    });
    const until = async (count: number) =>
      eventually(() => expect(deposits).toBeGreaterThanOrEqual(count), 60_000);

    const first = system.query;
    await until(150);
    const second = await system.startQuery(); // joins the group mid-stream: partitions rebalance
    await until(deposits + 300);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL'); // dies mid-stream, probably mid-batch
    system.query = second;
    await until(deposits + 300);
    writing = false;
    await Promise.all(writers);

    // The survivor takes over every partition once the group notices (session timeout 6 s).
    const expected = foldReadModels(await eventStore(system.writeDb.url));
    expect(expected.ledger.length).toBe(deposits);
    await eventually(
      async () =>
        expect(
          await withClient(system.readDb.url, (c) =>
            readModelSnapshot(async (sql) => (await c.query(sql)).rows),
          ),
        ).toEqual(expected),
      60_000,
      250,
    );
    // The tables can match before the survivor has fetched from a partition it took over; readiness
    // lists a partition once a fetch from it was applied.
    const ready = await eventually(async () => {
      const body = await fetch(`${second.url}/health/ready`).then((r) => r.json() as Promise<any>);
      expect(Object.keys(body.details.projections.partitions)).toEqual(['0', '1', '2']);
      return body;
    }, 20_000);
    expect(ready.details.projections.parkedEvents).toBe(0);
    const metrics = await fetch(`${second.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/tally_projection_lag_messages\{group="[^"]+",topic="[^"]+",partition="2"\} 0/);
    expect(metrics).toMatch(/tally_projection_position\{[^}]*partition="0"\} \d+/);
    // SIGTERM: shutdown hooks stop the consumer (it leaves the group) and Nest re-raises the signal;
    // a hung shutdown would end in the helper's SIGKILL after 15 s instead.
    const stopping = Date.now();
    expect(await second.stop('SIGTERM')).toBe('SIGTERM');
    expect(Date.now() - stopping).toBeLessThan(10_000);
  });
});
