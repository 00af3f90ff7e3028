import { accountStreamId } from '@tally/contracts';
import { eventually } from '@tally/testing';
import { Client } from 'pg';
import { TestSystem, get, post } from './system';

jest.setTimeout(120_000);

describe('open and deposit, from the write API to the read API', () => {
  const system = new TestSystem('slice');
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    await system.start();
    [alice, bob] = await Promise.all([system.token('alice'), system.token('bob')]);
  });
  afterAll(() => system.stop());

  it('shows a deposit on the read side', async () => {
    const opened = await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, alice);
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      accountId: expect.any(String),
      version: 1,
      consistencyToken: expect.any(String),
    });
    const { accountId } = opened.body;

    const deposited = await post(
      system.command.url,
      `/accounts/${accountId}/deposits`,
      { amount: 500 },
      alice,
    );
    expect(deposited.status).toBe(200);
    expect(deposited.body).toMatchObject({ accountId, version: 2 });

    const view = await eventually(async () => {
      const read = await get(system.query.url, `/accounts/${accountId}`, alice);
      expect(read.body).toMatchObject({ balance: 500, version: 2 });
      return read;
    });
    expect(view.body).toMatchObject({
      accountId,
      ownerId: 'alice',
      currency: 'EUR',
      status: 'open',
      entryCount: 1,
    });
    expect(view.headers.get('etag')).toBe('"2"');
  });

  it('answers bad input with RFC 9457 problems on both services', async () => {
    const invalid = await post(
      system.command.url,
      '/accounts',
      { ownerId: '', currency: 'euro', extra: 1 },
      alice,
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ status: 400, code: 'validation-failed' });
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'currency',
      'extra',
      'ownerId',
    ]);

    const missing = await get(system.query.url, '/accounts/4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11', alice);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ status: 404, code: 'not-found' });

    const unknownAccount = await post(
      system.command.url,
      '/accounts/4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11/deposits',
      { amount: 1 },
      alice,
    );
    expect(unknownAccount.status).toBe(404);
  });

  it('rebuilds the same read table after the query service was killed and restarted', async () => {
    const { accountId } = (
      await post(system.command.url, '/accounts', { ownerId: 'bob', currency: 'USD' }, bob)
    ).body;
    await post(system.command.url, `/accounts/${accountId}/deposits`, { amount: 100 }, bob);
    await eventually(async () =>
      expect((await get(system.query.url, `/accounts/${accountId}`, bob)).body).toMatchObject({
        balance: 100,
      }),
    );

    await system.query.stop('SIGKILL');
    for (let i = 0; i < 20; i++) {
      expect(
        (await post(system.command.url, `/accounts/${accountId}/deposits`, { amount: 7 }, bob)).status,
      ).toBe(200);
    }
    system.query = await system.startQuery();

    const view = await eventually(async () => {
      const read = await get(system.query.url, `/accounts/${accountId}`, bob);
      expect(read.body.version).toBe(22);
      return read.body;
    }, 30_000);
    expect(view).toMatchObject({ balance: 240, entryCount: 21 });

    // The whole read table equals a fold of the event store: nothing lost, nothing counted twice.
    const expected = await balancesFromEventStore(system.writeDb.url);
    const actual = await balancesFromReadTable(system.readDb.url);
    expect(actual).toEqual(expected);
    expect(expected.get(accountStreamId(accountId))).toBe(240);
  });
});

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function balancesFromEventStore(url: string): Promise<Map<string, number>> {
  const rows = await query<{ stream_id: string; balance: string }>(
    url,
    `SELECT stream_id, sum(CASE event_type
        WHEN 'tally.account.money-deposited' THEN (data->>'amount')::bigint
        WHEN 'tally.account.money-withdrawn' THEN -(data->>'amount')::bigint
        ELSE 0 END) AS balance
     FROM events GROUP BY stream_id`,
  );
  return new Map(rows.map((row) => [row.stream_id, Number(row.balance)]));
}

async function balancesFromReadTable(url: string): Promise<Map<string, number>> {
  const rows = await query<{ account_id: string; balance: string }>(
    url,
    'SELECT account_id, balance FROM accounts',
  );
  return new Map(rows.map((row) => [accountStreamId(row.account_id), Number(row.balance)]));
}
