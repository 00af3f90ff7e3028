import { randomBytes } from 'node:crypto';
import { Scope } from '@tally/http';
import { eventually, testAuthEnv } from '@tally/testing';
import { SignJWT, UnsecuredJWT } from 'jose';
import { Client } from 'pg';
import { TestSystem, get, post } from './system';

jest.setTimeout(120_000);

const missing = '4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11';
const withoutInstance = (body: Record<string, unknown>) => ({ ...body, instance: undefined });

/**
 * Bearer tokens on both APIs, scopes, and owners: alice and bob each see and act on their own
 * accounts only; someone else's account is answered exactly like a missing one (404) and a request
 * on behalf of another owner is 403; an admin sees everything.
 */
describe('authentication and authorisation across both services', () => {
  const system = new TestSystem('authz', { TRANSFERS_SWEEP_INTERVAL_MS: '100' });
  let alice: string;
  let bob: string;
  let carol: string;
  let admin: string;
  let aliceAccount: string;
  let bobAccount: string;
  let transferId: string;

  const eventsOf = async (accountId: string) => {
    const client = new Client({ connectionString: system.writeDb.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [
        `account-${accountId}`,
      ]);
      return rows[0].n as number;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await system.start();
    [alice, bob, carol, admin] = await Promise.all([
      system.token('alice'),
      system.token('bob'),
      system.token('carol'),
      system.admin(),
    ]);
    aliceAccount = (await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, alice))
      .body.accountId;
    bobAccount = (await post(system.command.url, '/accounts', { ownerId: 'bob', currency: 'EUR' }, bob)).body
      .accountId;
    await post(system.command.url, `/accounts/${aliceAccount}/deposits`, { amount: 1_000 }, alice);
    const accepted = await post(
      system.command.url,
      '/transfers',
      { fromAccountId: aliceAccount, toAccountId: bobAccount, amount: 100 },
      alice,
    );
    expect(accepted.status).toBe(202);
    transferId = accepted.body.transferId;
    // Everything above has reached the read side (eventually: the machine may be busy).
    await eventually(async () => {
      expect((await get(system.query.url, `/transfers/${transferId}`, admin)).status).toBe(200);
      expect((await get(system.query.url, '/accounts', admin)).body.items).toHaveLength(2);
    }, 30_000);
  });
  afterAll(() => system.stop());

  describe('tokens', () => {
    const secret = new TextEncoder().encode(testAuthEnv().AUTH_HS256_SECRET);
    const inOneHour = () => Math.floor(Date.now() / 1000) + 3_600;
    const claims = { sub: 'alice', scope: `${Scope.Read} ${Scope.Write}`, iss: 'tally-local', aud: 'tally' };
    const sign = (extra: Record<string, unknown>) =>
      new SignJWT({ ...claims, exp: inOneHour(), ...extra })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(secret);
    const bad: [string, () => Promise<string | undefined>][] = [
      ['no token', async () => undefined],
      ['an expired token', () => sign({ exp: Math.floor(Date.now() / 1000) - 60 })],
      ['an alg: none token', async () => new UnsecuredJWT({ ...claims, exp: inOneHour() }).encode()],
      ['a token for another audience', () => sign({ aud: 'another-api' })],
      ['a token from another issuer', () => sign({ iss: 'someone-else' })],
      [
        'a token signed with another secret',
        () =>
          new SignJWT({ ...claims, exp: inOneHour() })
            .setProtectedHeader({ alg: 'HS256' })
            .sign(randomBytes(32)),
      ],
      ['garbage', async () => 'not-a-jwt'],
    ];

    it.each(bad)('refuses %s with 401 on every route of both services', async (_, token) => {
      const bearer = await token();
      const before = await eventsOf(aliceAccount);
      const answers = [
        await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, bearer),
        await post(system.command.url, `/accounts/${aliceAccount}/deposits`, { amount: 1 }, bearer),
        await post(
          system.command.url,
          '/transfers',
          { fromAccountId: aliceAccount, toAccountId: bobAccount, amount: 1 },
          bearer,
        ),
        await get(system.command.url, `/accounts/${aliceAccount}/events`, bearer),
        await get(system.query.url, `/accounts/${aliceAccount}`, bearer),
        await get(system.query.url, '/accounts', bearer),
        await get(system.query.url, `/accounts/${aliceAccount}/ledger`, bearer),
        await get(system.query.url, `/accounts/${aliceAccount}/balance`, bearer),
        await get(system.query.url, `/transfers/${transferId}`, bearer),
        await get(system.query.url, '/owners/alice/portfolio', bearer),
      ];
      for (const answer of answers) {
        expect(answer).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
        expect(answer.headers.get('www-authenticate')).toContain('Bearer');
      }
      expect(await eventsOf(aliceAccount)).toBe(before);
    });

    it('leaves health probes, metrics and the API docs public', async () => {
      for (const service of [system.command, system.query])
        for (const path of ['/health/live', '/health/ready', '/metrics', '/docs-json'])
          expect({ path, status: (await fetch(`${service.url}${path}`)).status }).toEqual({
            path,
            status: 200,
          });
    });

    it('needs the write scope to write and the read scope to read', async () => {
      const readOnly = await system.token('alice', [Scope.Read]);
      const writeOnly = await system.token('alice', [Scope.Write]);
      const before = await eventsOf(aliceAccount);
      expect(
        await post(system.command.url, `/accounts/${aliceAccount}/deposits`, { amount: 1 }, readOnly),
      ).toMatchObject({ status: 403, body: { code: 'insufficient-scope' } });
      expect(await get(system.query.url, `/accounts/${aliceAccount}`, writeOnly)).toMatchObject({
        status: 403,
        body: { code: 'insufficient-scope' },
      });
      expect(await eventsOf(aliceAccount)).toBe(before);
    });
  });

  describe('owners', () => {
    it('shows alice her account and hides it from bob exactly as a missing one', async () => {
      for (const suffix of ['', '/ledger', '/balance']) {
        expect((await get(system.query.url, `/accounts/${aliceAccount}${suffix}`, alice)).status).toBe(200);
        const foreign = await get(system.query.url, `/accounts/${aliceAccount}${suffix}`, bob);
        const absent = await get(system.query.url, `/accounts/${missing}${suffix}`, bob);
        expect(foreign.status).toBe(404);
        expect(withoutInstance(foreign.body)).toEqual(
          withoutInstance({ ...absent.body, detail: absent.body.detail.replace(missing, aliceAccount) }),
        );
      }
    });

    it('lists only the caller’s own accounts; another owner’s list or portfolio is 403', async () => {
      const own = await get(system.query.url, '/accounts', bob);
      expect(own.body.items.map((a: { accountId: string }) => a.accountId)).toEqual([bobAccount]);
      expect((await get(system.query.url, '/accounts?ownerId=bob', bob)).status).toBe(200);
      expect(await get(system.query.url, '/accounts?ownerId=alice', bob)).toMatchObject({
        status: 403,
        body: { code: 'owner-mismatch' },
      });
      expect((await get(system.query.url, '/owners/bob/portfolio', bob)).status).toBe(200);
      expect(await get(system.query.url, '/owners/alice/portfolio', bob)).toMatchObject({
        status: 403,
        body: { code: 'owner-mismatch' },
      });
      // 403 whether or not the owner exists: it tells nothing.
      expect((await get(system.query.url, '/owners/nobody-at-all/portfolio', bob)).status).toBe(403);
    });

    it('shows a transfer to the owners of either side only', async () => {
      expect((await get(system.query.url, `/transfers/${transferId}`, alice)).status).toBe(200);
      expect((await get(system.query.url, `/transfers/${transferId}`, bob)).status).toBe(200);
      const foreign = await get(system.query.url, `/transfers/${transferId}`, carol);
      expect(foreign).toMatchObject({ status: 404, body: { code: 'not-found' } });
    });

    it('refuses bob every write on alice’s account, appending nothing', async () => {
      const before = await eventsOf(aliceAccount);
      for (const [path, body] of [
        ['deposits', { amount: 5 }],
        ['withdrawals', { amount: 5 }],
        ['close', {}],
      ] as const)
        expect(await post(system.command.url, `/accounts/${aliceAccount}/${path}`, body, bob)).toMatchObject({
          status: 404,
          body: { code: 'account-not-found' },
        });
      expect((await get(system.command.url, `/accounts/${aliceAccount}/events`, bob)).status).toBe(404);
      expect(
        await post(
          system.command.url,
          '/transfers',
          { fromAccountId: aliceAccount, toAccountId: bobAccount, amount: 5 },
          bob,
        ),
      ).toMatchObject({ status: 422, body: { code: 'account-not-found' } });
      expect(
        await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, bob),
      ).toMatchObject({ status: 403, body: { code: 'owner-mismatch' } });
      expect(await eventsOf(aliceAccount)).toBe(before);
    });

    it('lets an admin see and act on every account', async () => {
      expect((await get(system.query.url, `/accounts/${aliceAccount}`, admin)).status).toBe(200);
      expect((await get(system.query.url, '/owners/alice/portfolio', admin)).status).toBe(200);
      const all = await get(system.query.url, '/accounts', admin);
      expect(all.body.items.map((a: { ownerId: string }) => a.ownerId).sort()).toEqual(['alice', 'bob']);
      expect(
        (await post(system.command.url, `/accounts/${bobAccount}/deposits`, { amount: 1 }, admin)).status,
      ).toBe(200);
    });
  });
});
