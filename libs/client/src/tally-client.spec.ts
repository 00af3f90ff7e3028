import { TallyClient, createTallyClient } from './tally-client';
import { TallyProblemError } from './tally-problem';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

/** A client over a scripted fetch: answers in order, and what it was sent. */
function clientWith(...script: (Response | Error)[]): { client: TallyClient; sent: Sent[] } {
  const sent: Sent[] = [];
  let keys = 0;
  const client = createTallyClient({
    commandUrl: 'http://write.test',
    queryUrl: 'http://read.test',
    token: async () => 't0ken',
    newIdempotencyKey: () => `key-${++keys}`,
    retry: { networkBackoffMs: 1 },
    fetch: async (request) => {
      sent.push({
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      });
      const next = script.shift();
      if (!next) throw new Error('the script ran out');
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { client, sent };
}

const written = (version: number) =>
  json(200, { accountId: 'a1', version, consistencyToken: `token-${version}` });
const account = () => json(200, { accountId: 'a1', balance: 500 });

describe('TallyClient', () => {
  it('sends each write with the bearer token and a fresh Idempotency-Key', async () => {
    const { client, sent } = clientWith(written(2), written(3));
    expect(await client.depositMoney('a1', { amount: 500 })).toEqual({
      accountId: 'a1',
      version: 2,
      consistencyToken: 'token-2',
    });
    await client.withdrawMoney('a1', { amount: 100 });
    expect(sent.map((s) => [s.method, s.url, s.headers['idempotency-key'], s.headers.authorization])).toEqual(
      [
        ['POST', 'http://write.test/accounts/a1/deposits', 'key-1', 'Bearer t0ken'],
        ['POST', 'http://write.test/accounts/a1/withdrawals', 'key-2', 'Bearer t0ken'],
      ],
    );
    expect(JSON.parse(sent[0].body)).toEqual({ amount: 500 });
  });

  it('reuses the key on its own retry, and takes the key and If-Match you give', async () => {
    const { client, sent } = clientWith(new TypeError('fetch failed'), written(2), written(3));
    await client.depositMoney('a1', { amount: 500 });
    await client.depositMoney('a1', { amount: 500 }, { idempotencyKey: 'mine', ifMatch: 2 });
    expect(sent.map((s) => s.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'mine']);
    expect(sent[2].headers['if-match']).toBe('"2"');
  });

  it('throws the problem as a typed error: code, status, fields and the key to retry with', async () => {
    const problem = {
      type: '/problems/validation-failed',
      title: 'The request is not valid',
      status: 400,
      code: 'validation-failed',
      errors: [{ field: 'amount', messages: ['amount must be a positive integer'] }],
    };
    const { client } = clientWith(json(400, problem));
    const error = await client.depositMoney('a1', { amount: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyProblemError);
    expect(error).toMatchObject({
      code: 'validation-failed',
      status: 400,
      fields: problem.errors,
      idempotencyKey: 'key-1',
    });
  });

  it('gives up a 503 outcome-unknown at once, with the key a retry must reuse', async () => {
    const unknown = {
      type: '/problems/outcome-unknown',
      title: 'Unknown',
      status: 503,
      code: 'outcome-unknown',
    };
    const { client, sent } = clientWith(json(503, unknown));
    await expect(client.openAccount({ ownerId: 'alice', currency: 'EUR' })).rejects.toMatchObject({
      code: 'outcome-unknown',
      idempotencyKey: 'key-1',
    });
    expect(sent).toHaveLength(1);
  });

  it('retries a 503 with Retry-After, and tells a body that is not a problem by its status', async () => {
    const overloaded = { type: '/problems/overloaded', title: 'Busy', status: 503, code: 'overloaded' };
    const { client, sent } = clientWith(
      json(503, overloaded, { 'retry-after': '0' }),
      account(),
      new Response('<html>bad gateway</html>', { status: 502 }),
    );
    expect(await client.getAccount('a1')).toEqual({ accountId: 'a1', balance: 500 });
    expect(sent).toHaveLength(2);
    await expect(client.getAccount('a1')).rejects.toMatchObject({ code: 'http-502', status: 502 });
  });

  it('reads its own writes in a session: the last write’s consistencyToken goes with its reads', async () => {
    const { client, sent } = clientWith(written(2), account(), written(3), account(), account());
    const session = client.session();
    await session.depositMoney('a1', { amount: 500 });
    await session.getAccount('a1');
    await session.withdrawMoney('a1', { amount: 100 });
    await session.getAccountLedger('a1', { limit: 10 });
    await client.getAccount('a1');
    expect(
      sent.filter((s) => s.method === 'GET').map((s) => [s.url, s.headers['x-consistency-token']]),
    ).toEqual([
      ['http://read.test/accounts/a1', 'token-2'],
      ['http://read.test/accounts/a1/ledger?limit=10', 'token-3'],
      // The client itself is no session: it sends no token unless given one.
      ['http://read.test/accounts/a1', undefined],
    ]);
    expect(session.consistencyToken).toBe('token-3');
  });
});
