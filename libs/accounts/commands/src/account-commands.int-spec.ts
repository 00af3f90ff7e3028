import { MAX_AMOUNT } from '@tally/accounts-domain';
import { CommandTestApp } from './testing';

jest.setTimeout(30_000);

describe('account commands over HTTP', () => {
  const t = new CommandTestApp('account_commands');
  const eventsOf = async (accountId: string) =>
    (
      await t.query('SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version', [
        `account-${accountId}`,
      ])
    ).map((row) => row.event_type.replace('tally.account.', ''));

  beforeAll(() => t.start());
  afterAll(() => t.stop());

  describe('withdraw and close', () => {
    it('withdraws, answering the new version as body and ETag', async () => {
      const id = await t.openAccount('EUR', 500);
      const withdrawn = await t.post(`/accounts/${id}/withdrawals`, { amount: 200 });
      expect(withdrawn).toMatchObject({ status: 200, body: { accountId: id, version: 3 } });
      expect(withdrawn.headers.etag).toBe('"3"');
      expect(withdrawn.body.consistencyToken).toEqual(expect.any(String));
    });

    it('refuses to overdraw (422 insufficient-funds) and appends nothing', async () => {
      const id = await t.openAccount('EUR', 100);
      const refused = await t.post(`/accounts/${id}/withdrawals`, { amount: 101 });
      expect(refused).toMatchObject({ status: 422, body: { code: 'insufficient-funds' } });
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(await eventsOf(id)).toEqual(['opened', 'money-deposited']);
    });

    it('closes only at zero balance, and a closed account accepts nothing', async () => {
      const id = await t.openAccount('EUR', 100);
      expect((await t.post(`/accounts/${id}/close`)).body).toMatchObject({ code: 'nonzero-balance' });
      await t.post(`/accounts/${id}/withdrawals`, { amount: 100 });
      const closed = await t.post(`/accounts/${id}/close`);
      expect(closed).toMatchObject({ status: 200, body: { version: 4 } });
      expect(closed.headers.etag).toBe('"4"');
      for (const [path, body] of [
        ['deposits', { amount: 1 }],
        ['withdrawals', { amount: 1 }],
        ['close', {}],
      ] as const) {
        expect(await t.post(`/accounts/${id}/${path}`, body)).toMatchObject({
          status: 422,
          body: { code: 'account-closed' },
        });
      }
      expect(await eventsOf(id)).toEqual(['opened', 'money-deposited', 'money-withdrawn', 'closed']);
    });

    it('answers 404 for an account that does not exist', async () => {
      const missing = '4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11';
      for (const path of ['withdrawals', 'close'])
        expect(
          (await t.post(`/accounts/${missing}/${path}`, path === 'close' ? {} : { amount: 1 })).body,
        ).toMatchObject({
          status: 404,
          code: 'account-not-found',
        });
    });

    it('refuses fields on close', async () => {
      const id = await t.openAccount();
      const refused = await t.post(`/accounts/${id}/close`, { force: true });
      expect(refused).toMatchObject({ status: 400, body: { errors: [{ field: 'force' }] } });
    });
  });

  describe('If-Match', () => {
    it('applies a write at the expected version and refuses a stale one with 409 and the current version', async () => {
      const id = await t.openAccount('EUR', 100); // version 2
      const ok = await t.post(`/accounts/${id}/withdrawals`, { amount: 10 }, { 'if-match': '"2"' });
      expect(ok).toMatchObject({ status: 200, body: { version: 3 } });

      const stale = await t.post(`/accounts/${id}/deposits`, { amount: 10 }, { 'if-match': '"2"' });
      expect(stale).toMatchObject({ status: 409, body: { code: 'version-conflict', currentVersion: 3 } });
      expect(await eventsOf(id)).toHaveLength(3);
    });

    it('treats * as unconditional and refuses a malformed header with 400', async () => {
      const id = await t.openAccount('EUR', 100);
      expect((await t.post(`/accounts/${id}/deposits`, { amount: 1 }, { 'if-match': '*' })).status).toBe(200);
      for (const header of ['2', 'W/"2"', '"abc"', '"1", "2"', '"0"', '"99999999999999"']) {
        const bad = await t.post(`/accounts/${id}/deposits`, { amount: 1 }, { 'if-match': header });
        expect({ header, ...bad.body }).toMatchObject({ header, status: 400, code: 'invalid-if-match' });
      }
      expect(await eventsOf(id)).toHaveLength(3);
    });
  });

  describe('validation a hostile client cannot get past', () => {
    let id: string;
    beforeAll(async () => (id = await t.openAccount('EUR', 100)));

    it.each([
      ['a float', 1.5],
      ['a numeric string', '500'],
      ['an exponent string', '1e3'],
      ['a negative', -5],
      ['zero', 0],
      ['more than MAX_AMOUNT', MAX_AMOUNT + 1],
      ['an unsafe integer', 2 ** 60],
      ['null', null],
      ['a boolean', true],
      ['an object', { value: 1 }],
    ])('refuses %s as an amount with 400', async (_, amount) => {
      for (const path of ['deposits', 'withdrawals']) {
        const refused = await t.post(`/accounts/${id}/${path}`, { amount });
        expect(refused).toMatchObject({ status: 400, body: { code: 'validation-failed' } });
        expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['amount']);
      }
    });

    it('accepts exactly MAX_AMOUNT', async () =>
      expect((await t.post(`/accounts/${id}/deposits`, { amount: MAX_AMOUNT })).status).toBe(200));

    it.each([
      ['an array', '[]', 'an array'],
      ['null', 'null', 'null'],
      ['a number', '5', 'a number'],
      ['a string', '"x"', 'a string'],
    ])('refuses %s as the body with a clear message', async (_, raw, kind) => {
      const refused = await t.post(`/accounts/${id}/deposits`, raw);
      expect(refused).toMatchObject({ status: 400, body: { code: 'validation-failed' } });
      expect(refused.body.detail).toBe(`The request body must be a JSON object, not ${kind}.`);
    });

    it('lists every bad field, unknown ones included', async () => {
      const refused = await t.post('/transfers', { fromAccountId: 'x', amount: 1.5, note: 'hi' });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'amount',
        'fromAccountId',
        'note',
        'toAccountId',
      ]);
    });

    it('checks the deposit source and the account id in the path', async () => {
      expect(
        (await t.post(`/accounts/${id}/deposits`, { amount: 1, source: 'DROP TABLE' })).body.errors,
      ).toEqual([{ field: 'source', messages: ['source must be 1-32 of a-z 0-9 -'] }]);
      expect((await t.post('/accounts/12/deposits', { amount: 1 })).body).toMatchObject({
        status: 400,
        errors: [{ field: 'id' }],
      });
    });

    it('refuses a body that is not JSON (415), too large (413) or malformed (400)', async () => {
      const plain = await t.request('POST', `/accounts/${id}/deposits`, 'amount=1', {
        'content-type': 'text/plain',
      });
      expect(plain.status).toBe(415);
      const huge = await t.post(`/accounts/${id}/deposits`, { amount: 1, pad: 'x'.repeat(20_000) });
      expect(huge).toMatchObject({ status: 413, body: { code: 'payload-too-large' } });
      expect((await t.post(`/accounts/${id}/deposits`, '{"amount":')).status).toBe(400);
    });

    it('never let any of these through', async () =>
      expect(await eventsOf(id)).toEqual(['opened', 'money-deposited', 'money-deposited']));
  });

  describe('GET /accounts/:id/events', () => {
    it('pages through the stream with metadata and a next link', async () => {
      const id = await t.openAccount('EUR', 100);
      await t.post(
        `/accounts/${id}/deposits`,
        { amount: 5, source: 'cash' },
        { 'x-correlation-id': 'audit-1' },
      );
      await t.post(`/accounts/${id}/withdrawals`, { amount: 7 });

      const first = await t.get(`/accounts/${id}/events?limit=2`);
      expect(first).toMatchObject({ status: 200, body: { accountId: id, version: 4 } });
      expect(first.body.events.map((e: { streamVersion: number }) => e.streamVersion)).toEqual([1, 2]);
      expect(first.body.next).toBe(`/accounts/${id}/events?fromVersion=3&limit=2`);

      const second = await t.get(first.body.next);
      expect(second.body.next).toBeNull();
      expect(second.body.events).toEqual([
        expect.objectContaining({
          type: 'tally.account.money-deposited',
          schemaVersion: 2,
          streamVersion: 3,
          data: { amount: 5, source: 'cash' },
          metadata: { correlationId: 'audit-1', causationId: 'audit-1', actor: 'alice' },
          eventId: expect.any(String),
          occurredAt: expect.any(String),
          recordedAt: expect.any(String),
        }),
        expect.objectContaining({ type: 'tally.account.money-withdrawn', streamVersion: 4 }),
      ]);
    });

    it('answers 404 for an unknown account and 400 for bad paging', async () => {
      expect((await t.get('/accounts/4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11/events')).status).toBe(404);
      const id = await t.openAccount();
      for (const query of ['limit=0', 'limit=1001', 'fromVersion=0', 'fromVersion=abc', 'cursor=1'])
        expect({ query, status: (await t.get(`/accounts/${id}/events?${query}`)).status }).toEqual({
          query,
          status: 400,
        });
    });
  });
});
