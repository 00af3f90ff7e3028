import { randomUUID } from 'node:crypto';
import { Scope } from '@tally/http';
import { testAuthHeader } from '@tally/testing';
import { CommandTestApp } from './testing';

jest.setTimeout(30_000);

/**
 * Who may do what on the write side: an owner acts only on their own accounts (someone else's is
 * answered exactly like a missing one, and nothing is appended); an admin acts on any.
 */
describe('write-side authorisation', () => {
  // No transfer worker: an accepted transfer appends only its request, so event counts stay still.
  const t = new CommandTestApp('authorization', {
    transfers: { enabled: false, sweepIntervalMs: 1_000, concurrency: 1 },
  });
  const missing = '4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11';
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let admin: Record<string, string>;
  let aliceAccount: string;
  let bobAccount: string;
  const eventCount = async () => (await t.query('SELECT count(*)::int AS n FROM events'))[0].n as number;

  beforeAll(async () => {
    await t.start();
    [alice, bob, admin] = await Promise.all([
      testAuthHeader('alice'),
      testAuthHeader('bob'),
      testAuthHeader('root', [Scope.Admin]),
    ]);
    aliceAccount = await t.openAccount('EUR', 1_000);
    bobAccount = (await t.post('/accounts', { ownerId: 'bob', currency: 'EUR' }, bob)).body.accountId;
  });
  afterAll(() => t.stop());

  it('opens accounts only for the token subject (403 owner-mismatch), unless admin', async () => {
    const before = await eventCount();
    const refused = await t.post('/accounts', { ownerId: 'alice', currency: 'EUR' }, bob);
    expect(refused).toMatchObject({ status: 403, body: { code: 'owner-mismatch' } });
    expect(await eventCount()).toBe(before);
    const byAdmin = await t.post('/accounts', { ownerId: 'zoe', currency: 'EUR' }, admin);
    expect(byAdmin.status).toBe(201);
  });

  it.each([
    ['deposits', { amount: 5 }],
    ['withdrawals', { amount: 5 }],
    ['close', {}],
  ])(
    'answers POST %s on someone else’s account exactly as on a missing one, appending nothing',
    async (path, body) => {
      const before = await eventCount();
      const foreign = await t.post(`/accounts/${aliceAccount}/${path}`, body, bob);
      const absent = await t.post(`/accounts/${missing}/${path}`, body, bob);
      expect(foreign).toMatchObject({ status: 404, body: { code: 'account-not-found' } });
      expect({ ...foreign.body, instance: undefined }).toEqual({ ...absent.body, instance: undefined });
      // Even a precondition does not reveal the version of someone else's account.
      const conditional = await t.post(`/accounts/${aliceAccount}/${path}`, body, {
        ...bob,
        'if-match': '"1"',
      });
      expect(conditional.status).toBe(404);
      const idempotent = await t.post(`/accounts/${aliceAccount}/${path}`, body, {
        ...bob,
        'idempotency-key': randomUUID(),
      });
      expect(idempotent.status).toBe(404);
      expect(await eventCount()).toBe(before);
    },
  );

  it('hides the history of someone else’s account (404)', async () => {
    const foreign = await t.get(`/accounts/${aliceAccount}/events`, bob);
    expect(foreign).toMatchObject({ status: 404, body: { code: 'not-found' } });
    expect(foreign.body.detail).toBe(`Account ${aliceAccount} does not exist.`);
    expect((await t.get(`/accounts/${aliceAccount}/events`, alice)).status).toBe(200);
    expect((await t.get(`/accounts/${aliceAccount}/events`, admin)).status).toBe(200);
  });

  it('moves money only out of the caller’s own account, but into anyone’s', async () => {
    const before = await eventCount();
    const stealing = await t.post(
      '/transfers',
      { fromAccountId: aliceAccount, toAccountId: bobAccount, amount: 10 },
      bob,
    );
    const fromNowhere = await t.post(
      '/transfers',
      { fromAccountId: missing, toAccountId: bobAccount, amount: 10 },
      bob,
    );
    expect(stealing).toMatchObject({ status: 422, body: { code: 'account-not-found' } });
    expect({ ...stealing.body, instance: undefined }).toEqual({ ...fromNowhere.body, instance: undefined });
    expect(await eventCount()).toBe(before);

    const paying = await t.post(
      '/transfers',
      { fromAccountId: aliceAccount, toAccountId: bobAccount, amount: 10 },
      alice,
    );
    expect(paying.status).toBe(202);
  });

  it('answers a transfer from someone else’s account to itself exactly as one from a missing account', async () => {
    const before = await eventCount();
    const toItself = (account: string, as: Record<string, string>) =>
      t.post('/transfers', { fromAccountId: account, toAccountId: account, amount: 10 }, as);
    const [foreign, nowhere, own] = [
      await toItself(aliceAccount, bob),
      await toItself(missing, bob),
      await toItself(bobAccount, bob),
    ];
    // Ownership is checked before same-account, which would reveal that the account exists.
    expect(foreign).toMatchObject({ status: 422, body: { code: 'account-not-found' } });
    expect({ ...foreign.body, instance: undefined }).toEqual({ ...nowhere.body, instance: undefined });
    expect(own).toMatchObject({ status: 422, body: { code: 'same-account' } });
    expect(await eventCount()).toBe(before);
  });

  it('lets an admin act on anyone’s account, and records who acted', async () => {
    const deposited = await t.post(`/accounts/${bobAccount}/deposits`, { amount: 7 }, admin);
    expect(deposited.status).toBe(200);
    const [event] = await t.query(
      "SELECT metadata FROM events WHERE stream_id = $1 AND event_type = 'tally.account.money-deposited'",
      [`account-${bobAccount}`],
    );
    expect(event.metadata.actor).toBe('root');
  });

  it('needs the write scope to write and the read scope to read the history', async () => {
    const readOnly = await testAuthHeader('alice', [Scope.Read]);
    const writeOnly = await testAuthHeader('alice', [Scope.Write]);
    const before = await eventCount();
    expect(await t.post(`/accounts/${aliceAccount}/deposits`, { amount: 1 }, readOnly)).toMatchObject({
      status: 403,
      body: { code: 'insufficient-scope' },
    });
    expect((await t.post('/accounts', { ownerId: 'alice', currency: 'EUR' }, readOnly)).status).toBe(403);
    expect((await t.get(`/accounts/${aliceAccount}/events`, writeOnly)).status).toBe(403);
    expect(await eventCount()).toBe(before);
  });

  it('answers 401 without a valid token and appends nothing', async () => {
    const before = await eventCount();
    for (const authorization of ['', 'Bearer', 'Bearer not.a.token', 'Basic YWxpY2U6c2VjcmV0']) {
      const refused = await t.post(`/accounts/${aliceAccount}/deposits`, { amount: 1 }, { authorization });
      expect({ authorization, status: refused.status, code: refused.body.code }).toEqual({
        authorization,
        status: 401,
        code: 'unauthorized',
      });
      expect(refused.headers['www-authenticate']).toContain('Bearer');
    }
    expect(await eventCount()).toBe(before);
  });

  it('keeps idempotency keys per caller: another caller’s key never replays their response', async () => {
    const key = { 'idempotency-key': randomUUID() };
    const first = await t.post(`/accounts/${aliceAccount}/deposits`, { amount: 3 }, { ...alice, ...key });
    expect(first.status).toBe(200);
    const replayToBob = await t.post(`/accounts/${aliceAccount}/deposits`, { amount: 3 }, { ...bob, ...key });
    expect(replayToBob.status).toBe(404);
    expect(replayToBob.headers['idempotent-replayed']).toBeUndefined();
  });
});
