import { randomUUID } from 'node:crypto';
import { FaultProxy, createTestDatabase, testAuthHeader, type TestDatabase } from '@tally/testing';
import { defaultCommandsOptions } from '../commands-options';
import { CommandTestApp } from '../testing';
import { IdempotencyKeys } from './idempotency-keys';

jest.setTimeout(30_000);

describe('Idempotency-Key', () => {
  const t = new CommandTestApp('idempotency', { idempotencyKeyTtlSeconds: 2 });
  const key = () => ({ 'idempotency-key': randomUUID() });
  const eventCount = async (accountId: string) =>
    (await t.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [`account-${accountId}`]))[0]
      .n;

  beforeAll(() => t.start());
  afterAll(() => t.stop());

  it('answers a retry with the original status, body and headers, and appends nothing', async () => {
    const headers = { ...key(), ...(await testAuthHeader('carol')) };
    const first = await t.post('/accounts', { ownerId: 'carol', currency: 'EUR' }, headers);
    const retry = await t.post('/accounts', { currency: 'EUR', ownerId: 'carol' }, headers); // same JSON, other order
    expect(first.status).toBe(201);
    expect(retry).toMatchObject({ status: 201, body: first.body });
    expect(retry.headers).toMatchObject({
      location: first.headers.location,
      etag: '"1"',
      'idempotent-replayed': 'true',
    });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(
      await t.query("SELECT 1 FROM streams WHERE stream_type = 'account' AND stream_id = $1", [
        `account-${first.body.accountId}`,
      ]),
    ).toHaveLength(1);
    expect(
      (await t.query("SELECT count(*)::int AS n FROM events WHERE data->>'ownerId' = 'carol'"))[0].n,
    ).toBe(1);
  });

  it('refuses the same key with a different body (422 idempotency-key-reused)', async () => {
    const id = await t.openAccount('EUR');
    const headers = key();
    expect((await t.post(`/accounts/${id}/deposits`, { amount: 5 }, headers)).status).toBe(200);
    const reused = await t.post(`/accounts/${id}/deposits`, { amount: 6 }, headers);
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency-key-reused' } });
    expect(await eventCount(id)).toBe(2);
  });

  it('scopes keys per route and account', async () => {
    const [a, b] = [await t.openAccount('EUR', 100), await t.openAccount('EUR', 100)];
    const headers = key();
    expect((await t.post(`/accounts/${a}/deposits`, { amount: 5 }, headers)).body.accountId).toBe(a);
    expect((await t.post(`/accounts/${b}/deposits`, { amount: 5 }, headers)).body.accountId).toBe(b);
    expect((await t.post(`/accounts/${a}/withdrawals`, { amount: 5 }, headers)).status).toBe(200);
    expect([await eventCount(a), await eventCount(b)]).toEqual([4, 3]);
  });

  it('scopes keys by the canonical account id, however the URL spells it', async () => {
    const id = await t.openAccount('EUR');
    const headers = key();
    const upper = await t.post(`/accounts/${id.toUpperCase()}/deposits`, { amount: 5 }, headers);
    const lower = await t.post(`/accounts/${id}/deposits`, { amount: 5 }, headers);
    expect(upper).toMatchObject({ status: 200, body: { accountId: id, version: 2 } });
    expect(lower).toMatchObject({ status: 200, body: upper.body });
    expect(lower.headers['idempotent-replayed']).toBe('true');
    expect(await eventCount(id)).toBe(2);
  });

  it('lets concurrent duplicates append once and all get the same answer', async () => {
    const id = await t.openAccount('EUR');
    const headers = key();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.post(`/accounts/${id}/deposits`, { amount: 7 }, headers)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await eventCount(id)).toBe(2);
  });

  it('remembers only acknowledged writes: a refusal leaves no key, so a retry is decided afresh', async () => {
    const id = await t.openAccount('EUR');
    const headers = key();
    expect((await t.post(`/accounts/${id}/withdrawals`, { amount: 5 }, headers)).body.code).toBe(
      'insufficient-funds',
    );
    await t.post(`/accounts/${id}/deposits`, { amount: 5 });
    expect(await t.post(`/accounts/${id}/withdrawals`, { amount: 5 }, headers)).toMatchObject({
      status: 200,
      body: { version: 3 },
    });
  });

  it('refuses a malformed key', async () => {
    const id = await t.openAccount('EUR');
    for (const bad of ['', 'x'.repeat(256), 'with space'])
      expect(
        (await t.post(`/accounts/${id}/deposits`, { amount: 1 }, { 'idempotency-key': bad })).body,
      ).toMatchObject({
        status: 400,
        code: 'invalid-idempotency-key',
      });
  });

  it('stores the key in the transaction of the events: a key is never without its events', async () => {
    const rows = await t.query(`
      SELECT k.key, k.body->>'accountId' AS account, k.body->>'version' AS version,
        (SELECT count(*) FROM events e WHERE e.stream_id = 'account-' || (k.body->>'accountId')
           AND e.stream_version = (k.body->>'version')::int) AS matching
      FROM idempotency_keys k WHERE (k.body->>'accountId') IS NOT NULL`);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row).toMatchObject({ matching: '1' });
  });

  it('expires keys after the TTL and deletes them in the cleanup', async () => {
    const id = await t.openAccount('EUR');
    const headers = key();
    await t.post(`/accounts/${id}/deposits`, { amount: 1 }, headers);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await t.post(`/accounts/${id}/deposits`, { amount: 2 }, headers)).status).toBe(200); // a new request
    expect(await eventCount(id)).toBe(3);
    expect(await t.app.get(IdempotencyKeys).deleteExpired()).toBeGreaterThan(0);
    expect(await t.query('SELECT 1 FROM idempotency_keys WHERE expires_at <= now()')).toHaveLength(0);
  });

  it('answers a retry the same way after a restart', async () => {
    const id = await t.openAccount('EUR');
    const headers = key();
    const first = await t.post(`/accounts/${id}/deposits`, { amount: 9 }, headers);
    await t.stop(false);
    await t.start(t.db);
    const retry = await t.post(`/accounts/${id}/deposits`, { amount: 9 }, headers);
    expect(retry).toMatchObject({ status: 200, body: first.body });
    expect(await eventCount(id)).toBe(2);
  });
});

describe('Idempotency-Key when the answer to the COMMIT is lost', () => {
  const deadlineMs = 1_000;
  const t = new CommandTestApp('idempotency_lost_commit', {
    streams: { ...defaultCommandsOptions.streams, deadlineMs },
  });
  let db: TestDatabase;
  let proxy: FaultProxy;
  const eventCount = async (accountId: string) =>
    (await t.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [`account-${accountId}`]))[0]
      .n;

  beforeAll(async () => {
    db = await createTestDatabase('idempotency_lost_commit');
    const url = new URL(db.url);
    proxy = await new FaultProxy(Number(url.port || 5432), url.hostname).listen();
    url.port = String(proxy.port);
    await t.start({ url: url.toString(), drop: () => Promise.resolve() });
  });
  afterAll(async () => {
    await t.stop(false);
    await proxy?.close();
    await db?.drop();
  });

  it('looks the key up and answers what the committed transaction stored', async () => {
    const id = await t.openAccount('EUR');
    const headers = { 'idempotency-key': randomUUID() };
    const dropped = proxy.dropReplyTo(/^Q...\vCOMMIT/s);
    const first = await t.post(`/accounts/${id}/deposits`, { amount: 5 }, headers);
    await dropped;
    expect(first).toMatchObject({ status: 200, body: { accountId: id, version: 2 } });
    expect(await eventCount(id)).toBe(2);
    const retry = await t.post(`/accounts/${id}/deposits`, { amount: 5 }, headers);
    expect(retry).toMatchObject({ status: 200, body: first.body });
    expect(await eventCount(id)).toBe(2);
  });

  it('says the outcome is unknown, without Retry-After, when it cannot look it up in time', async () => {
    const id = await t.openAccount('EUR');
    const headers = { 'idempotency-key': randomUUID() };
    void proxy.dropReplyTo(/^Q...\vCOMMIT/s).then(() => {
      proxy.mode = 'refuse';
      proxy.cut();
    });
    const started = Date.now();
    const answer = await t.post(`/accounts/${id}/deposits`, { amount: 5 }, headers);
    const tookMs = Date.now() - started;
    proxy.mode = 'pass';
    expect(answer).toMatchObject({ status: 503, body: { code: 'outcome-unknown' } });
    expect(answer.headers['retry-after']).toBeUndefined();
    expect(tookMs).toBeLessThan(deadlineMs + 1_000);
    // The retry the problem recommends, with the same key, finds the deposit that was in fact made.
    let retry;
    for (let attempt = 0; !retry || retry.status === 503; attempt++) {
      if (attempt > 20) throw new Error('the database did not come back');
      retry = await t.post(`/accounts/${id}/deposits`, { amount: 5 }, headers);
    }
    expect(retry).toMatchObject({ status: 200, body: { version: 2 } });
    expect(await eventCount(id)).toBe(2);
  });
});
