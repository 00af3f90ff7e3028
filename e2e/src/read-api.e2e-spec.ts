import { encodeConsistencyToken } from '@tally/contracts';
import { committedOpenApi, eventually } from '@tally/testing';
import { TestSystem, post } from './system';

jest.setTimeout(120_000);

async function read(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

describe('read API', () => {
  const system = new TestSystem('read_api');
  // These tests read many owners' accounts: as an admin (authorisation.e2e-spec covers owners).
  let admin: string;
  const q = (path: string, headers?: Record<string, string>) =>
    read(system.query.url, path, { authorization: `Bearer ${admin}`, ...headers });
  const open = async (ownerId: string, currency = 'EUR') => {
    const response = await post(system.command.url, '/accounts', { ownerId, currency }, admin);
    expect(response.status).toBe(201);
    return response.body as { accountId: string; version: number; consistencyToken: string };
  };
  const deposit = async (accountId: string, amount: number) => {
    const response = await post(system.command.url, `/accounts/${accountId}/deposits`, { amount }, admin);
    expect(response.status).toBe(200);
    return response.body as { version: number; consistencyToken: string };
  };

  beforeAll(async () => {
    await system.start();
    admin = await system.admin();
  });
  afterAll(() => system.stop());

  it('serves the committed OpenAPI documents (openapi/*.json) and the problem pages their types name', async () => {
    for (const [url, service] of [
      [system.command.url, 'command-service'],
      [system.query.url, 'query-service'],
    ] as const) {
      expect(await (await fetch(`${url}/docs-json`)).json()).toEqual(committedOpenApi(service));
      const page = await fetch(`${url}/problems/insufficient-funds`);
      expect({ status: page.status, type: page.headers.get('content-type') }).toEqual({
        status: 200,
        type: 'text/html; charset=utf-8',
      });
    }
    const refused = await post(system.command.url, '/accounts', { ownerId: 'x', currency: 'NOPE' }, admin);
    expect(refused.body).toMatchObject({ type: '/problems/validation-failed', code: 'validation-failed' });
  });

  describe('read-your-writes', () => {
    it('a read carrying the consistency token of a write always sees that write', async () => {
      const opened = await open('ryw');
      const first = await q(`/accounts/${opened.accountId}`, {
        'x-consistency-token': opened.consistencyToken,
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ version: 1, balance: 0 });
      for (let i = 1; i <= 15; i++) {
        const written = await deposit(opened.accountId, 10);
        const seen = await q(`/accounts/${opened.accountId}/ledger?sort=-version&limit=1`, {
          'x-consistency-token': written.consistencyToken,
        });
        expect(seen.status).toBe(200);
        expect(seen.body.items[0]).toMatchObject({ version: written.version, balanceAfter: 10 * i });
      }
    });

    it('answers 503 consistency-timeout with Retry-After when the write is not applied in time', async () => {
      const token = encodeConsistencyToken({ streamId: 'account-never-written', version: 3 });
      const started = Date.now();
      const response = await q('/accounts?limit=1', {
        'x-consistency-token': token,
        'x-consistency-timeout-ms': '300',
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.body).toMatchObject({
        code: 'consistency-timeout',
        requiredVersion: 3,
        appliedVersion: 0,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('refuses a caller without a valid bearer token at once, before any wait', async () => {
      const token = encodeConsistencyToken({ streamId: 'account-never-written', version: 3 });
      const started = Date.now();
      const response = await read(system.query.url, '/accounts?limit=1', {
        'x-consistency-token': token,
        'x-consistency-timeout-ms': '2000',
      });
      expect(response.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('rejects a malformed token and an out-of-range timeout with 400', async () => {
      expect((await q('/accounts', { 'x-consistency-token': 'garbage' })).body).toMatchObject({
        status: 400,
        code: 'invalid-consistency-token',
      });
      const token = encodeConsistencyToken({ streamId: 'account-x', version: 1 });
      expect(
        (await q('/accounts', { 'x-consistency-token': token, 'x-consistency-timeout-ms': '60000' })).body,
      ).toMatchObject({ status: 400, code: 'invalid-consistency-timeout' });
    });
  });

  describe('accounts list', () => {
    it('pages with a keyset cursor, every row exactly once while new rows are inserted', async () => {
      const before: string[] = [];
      for (let i = 0; i < 13; i++) before.push((await open('pager', i % 2 ? 'USD' : 'EUR')).accountId);
      const last = await open('pager');
      before.push(last.accountId);
      // Wait for the last one (all earlier ones were written first and are on... any partition).
      await eventually(async () =>
        expect((await q('/accounts?ownerId=pager&limit=200')).body.items).toHaveLength(14),
      );

      const seen: string[] = [];
      let cursor: string | null = null;
      let inserted = 0;
      do {
        const page: { status: number; body: any } = await q(
          `/accounts?ownerId=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((a: { accountId: string }) => a.accountId));
        cursor = page.body.nextCursor;
        if (inserted++ < 4) await open('pager'); // concurrent inserts while paging
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(before));
      expect(seen.slice(0, 14)).toEqual(before);
    });

    it('filters by owner, currency and status and sorts by an allow-listed key', async () => {
      const usd = await q('/accounts?ownerId=pager&currency=USD&status=open&sort=-accountId');
      expect(usd.status).toBe(200);
      expect(usd.body.items.length).toBe(6);
      expect(usd.body.items.every((a: any) => a.currency === 'USD' && a.ownerId === 'pager')).toBe(true);
      const ids = usd.body.items.map((a: any) => a.accountId);
      expect(ids).toEqual([...ids].sort().reverse());
    });

    it('rejects bad parameters, unknown fields and foreign cursors with 400', async () => {
      const bad = await q('/accounts?limit=0&status=frozen&currency=euro&sort=balance&colour=red');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation-failed');
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'colour',
        'currency',
        'limit',
        'sort',
        'status',
      ]);
      const page = await q('/accounts?ownerId=pager&limit=1');
      const foreign = await q(`/accounts?ownerId=ryw&limit=1&cursor=${page.body.nextCursor}`);
      expect(foreign.body).toMatchObject({ status: 400, code: 'invalid-cursor' });
      expect((await q('/accounts?cursor=%25%25')).body).toMatchObject({
        status: 400,
        code: 'invalid-cursor',
      });
    });
  });

  describe('ledger and balances', () => {
    it('lists entries with the balance after each, paginated and filtered by time', async () => {
      const { accountId } = await open('ledger');
      const times: string[] = [];
      let token = '';
      for (const amount of [100, 250, 30]) {
        token = (await deposit(accountId, amount)).consistencyToken;
        times.push(new Date().toISOString());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const first = await q(`/accounts/${accountId}/ledger?limit=2`, { 'x-consistency-token': token });
      expect(first.status).toBe(200);
      expect(first.body.items).toMatchObject([
        { version: 2, kind: 'deposit', amount: 100, balanceAfter: 100 },
        { version: 3, kind: 'deposit', amount: 250, balanceAfter: 350 },
      ]);
      const second = await q(`/accounts/${accountId}/ledger?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body).toMatchObject({ items: [{ version: 4, balanceAfter: 380 }], nextCursor: null });

      const window = await q(`/accounts/${accountId}/ledger?from=${times[0]}&to=${times[2]}`);
      expect(window.body.items.map((e: any) => e.version)).toEqual([3, 4]);

      const asOf = await q(`/accounts/${accountId}/balance?asOf=${times[1]}`);
      expect(asOf.body).toMatchObject({ balance: 350, version: 3, currency: 'EUR' });
      const now = await q(`/accounts/${accountId}/balance`);
      expect(now.body).toMatchObject({ balance: 380, version: 4 });
      expect(now.headers.get('etag')).toBe('"4"');
      const unchanged = await q(`/accounts/${accountId}/balance`, { 'if-none-match': '"4"' });
      expect(unchanged.status).toBe(304);

      const beforeOpening = await q(`/accounts/${accountId}/balance?asOf=2001-01-01T00:00:00Z`);
      expect(beforeOpening.status).toBe(404);
      const badTime = await q(`/accounts/${accountId}/balance?asOf=yesterday`);
      expect(badTime.body).toMatchObject({ status: 400, code: 'validation-failed' });
      const backwards = await q(`/accounts/${accountId}/ledger?from=${times[2]}&to=${times[0]}`);
      expect(backwards.status).toBe(400);
    });

    it('answers 404 for unknown accounts and 400 for malformed ids', async () => {
      const unknown = '4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11';
      expect((await q(`/accounts/${unknown}/ledger`)).status).toBe(404);
      expect((await q(`/accounts/${unknown}/balance`)).status).toBe(404);
      expect((await q('/accounts/not-a-uuid/ledger')).status).toBe(400);
    });
  });

  describe('owner portfolio', () => {
    it('totals per currency, with an ETag that changes with the content', async () => {
      const eur = await open('portfolio', 'EUR');
      const usd = await open('portfolio', 'USD');
      await deposit(eur.accountId, 500);
      const written = await deposit(usd.accountId, 70);
      await deposit(eur.accountId, 25).then(({ consistencyToken }) => consistencyToken);
      const view = await q('/owners/portfolio/portfolio', {
        'x-consistency-token': written.consistencyToken,
      });
      await eventually(async () => {
        const current = await q('/owners/portfolio/portfolio');
        expect(current.body.totals).toEqual([
          { currency: 'EUR', balance: '525', accounts: 1, openAccounts: 1 },
          { currency: 'USD', balance: '70', accounts: 1, openAccounts: 1 },
        ]);
        expect(current.body.accounts.map((a: any) => a.accountId)).toEqual([eur.accountId, usd.accountId]);
      });
      expect(view.status).toBe(200);
      const etag = (await q('/owners/portfolio/portfolio')).headers.get('etag')!;
      expect((await q('/owners/portfolio/portfolio', { 'if-none-match': etag })).status).toBe(304);
      const changed = await deposit(eur.accountId, 1);
      const after = await q('/owners/portfolio/portfolio', {
        'x-consistency-token': changed.consistencyToken,
      });
      expect(after.headers.get('etag')).not.toBe(etag);
      expect((await q('/owners/nobody/portfolio')).body).toMatchObject({ status: 404, code: 'not-found' });
      expect((await q('/owners/bad%20owner/portfolio')).status).toBe(400);
    });
  });

  describe('transfers', () => {
    it('follows a transfer to completed, and moves money in both ledgers', async () => {
      const from = await open('payer');
      const to = await open('payee');
      await deposit(from.accountId, 100);
      const accepted = await post(
        system.command.url,
        '/transfers',
        {
          fromAccountId: from.accountId,
          toAccountId: to.accountId,
          amount: 40,
        },
        admin,
      );
      expect(accepted.status).toBe(202);
      const requested = await q(`/transfers/${accepted.body.transferId}`, {
        'x-consistency-token': accepted.body.consistencyToken,
      });
      expect(requested.status).toBe(200);
      expect(requested.body).toMatchObject({ fromAccountId: from.accountId, amount: 40, currency: 'EUR' });
      const done = await eventually(async () => {
        const current = await q(`/transfers/${accepted.body.transferId}`);
        expect(current.body.status).toBe('completed');
        return current;
      }, 20_000);
      expect(done.headers.get('etag')).toBe(`"${done.body.version}"`);
      expect(done.body.completedAt).toEqual(expect.any(String));
      await eventually(async () => {
        expect((await q(`/accounts/${to.accountId}/ledger`)).body.items).toMatchObject([
          { kind: 'transfer-credit', amount: 40, balanceAfter: 40, counterpartyAccountId: from.accountId },
        ]);
      });
      expect((await q('/transfers/4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11')).status).toBe(404);
      expect((await q('/transfers/bad%20id')).status).toBe(400);
    });
  });
});
