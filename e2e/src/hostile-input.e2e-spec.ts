import { request as httpRequest } from 'node:http';
import { Scope } from '@tally/http';
import fc from 'fast-check';
import { Client } from 'pg';
import { TestSystem, post } from './system';

jest.setTimeout(120_000);

const REQUEST_TIMEOUT_MS = 5_000;
// HOSTILE_RUNS=20000 for a longer hunt.
const RUNS = Number(process.env.HOSTILE_RUNS ?? 1_000);

interface Attempt {
  service: 'command' | 'query';
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A raw HTTP request: no URL normalisation, any method, any (printable) header, any body. */
function send(base: string, attempt: Attempt): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      // A connection of its own: a refusal that closes the connection (413) cannot break the next request.
      {
        hostname,
        port,
        method: attempt.method,
        path: attempt.path,
        headers: {
          ...attempt.headers,
          ...(attempt.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(attempt.body)) }),
        },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    request.on('error', reject);
    if (attempt.body !== undefined) request.write(attempt.body);
    request.end();
  });
}

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));

/**
 * Random and adversarial requests at every route of both services (bodies, headers, paths, query
 * strings, methods, tokens): never a 5xx, never a hang, and never an event appended by a request
 * that was refused.
 */
describe('hostile input against both services', () => {
  // No transfer worker and no throttling: every event appended is the direct effect of one request.
  const system = new TestSystem('hostile', { TRANSFERS_ENABLED: 'false', RATE_LIMIT_PER_SECOND: '0' });
  let db: Client;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await system.start();
    tokens.alice = await system.token('alice');
    tokens.bob = await system.token('bob');
    tokens.admin = await system.admin();
    tokens.readOnly = await system.token('alice', [Scope.Read]);
    tokens.noScopes = await system.token('alice', []);
    tokens.forged = `${tokens.alice.slice(0, -4)}AAAA`;
    ids.alice = (
      await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, tokens.alice)
    ).body.accountId;
    ids.bob = (
      await post(system.command.url, '/accounts', { ownerId: 'bob', currency: 'USD' }, tokens.bob)
    ).body.accountId;
    await post(system.command.url, `/accounts/${ids.alice}/deposits`, { amount: 1_000_000 }, tokens.alice);
    ids.missing = '4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11';
    db = new Client({ connectionString: system.writeDb.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await system.stop();
  });

  const eventCount = async () =>
    (await db.query('SELECT count(*)::int AS n FROM events')).rows[0].n as number;

  const nasty = fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    "' OR 1=1 --",
    '"; DROP TABLE events; --',
    '${jndi:ldap://x}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '%',
    '%ZZ',
    '%2e%2e%2f',
    '\u0000',
    '\u202e',
    '😀',
    'a'.repeat(5_000),
    '9'.repeat(400),
    '__proto__',
    'constructor',
    '2024-13-45T99:99:99Z',
    '0000-01-01',
    '+275760-09-13T00:00:00.001Z',
  );
  const id = () =>
    fc.oneof(
      fc.constantFrom('alice', 'bob', 'missing').map((name) => ids[name]),
      fc.uuid(),
      nasty,
      printable(40),
    );
  const segment = fc.oneof(id(), nasty, printable(20)).map((value) => encodeURIComponent(value));
  const rawSegment = fc.constantFrom('..', '.', '%2e%2e', '%00', '%ZZ', '', '//', '%2F', ';x=1', '*');

  const route = fc.oneof(
    fc
      .constantFrom(
        ['command', 'POST', '/accounts'],
        ['command', 'POST', '/transfers'],
        ['query', 'GET', '/accounts'],
      )
      .map(([service, method, path]) => ({ service, method, path })),
    fc
      .tuple(fc.constantFrom('deposits', 'withdrawals', 'close', 'events'), segment)
      .map(([action, account]) => ({
        service: 'command',
        method: action === 'events' ? 'GET' : 'POST',
        path: `/accounts/${account}/${action}`,
      })),
    fc.tuple(fc.constantFrom('', '/ledger', '/balance'), segment).map(([suffix, account]) => ({
      service: 'query',
      method: 'GET',
      path: `/accounts/${account}${suffix}`,
    })),
    segment.map((value) => ({ service: 'query', method: 'GET', path: `/transfers/${value}` })),
    fc
      .oneof(fc.constantFrom('alice', 'bob'), segment)
      .map((owner) => ({ service: 'query', method: 'GET', path: `/owners/${owner}/portfolio` })),
    fc
      .tuple(fc.constantFrom('command', 'query'), fc.array(fc.oneof(segment, rawSegment), { maxLength: 5 }))
      .map(([service, parts]) => ({ service, method: 'GET', path: `/${parts.join('/')}` })),
  );

  const queryString = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'ownerId',
            'status',
            'currency',
            'limit',
            'cursor',
            'from',
            'to',
            'asOf',
            'sort',
            'fromVersion',
            '__proto__',
            'limit[]',
            'constructor[prototype]',
          ),
          printable(10),
        ),
        fc.oneof(
          nasty,
          printable(30),
          fc.integer().map(String),
          fc.constantFrom('alice', 'EUR', 'open', '-openedAt'),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) =>
      pairs.length === 0
        ? ''
        : `?${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&')}`,
    );

  const method = (usual: string) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(usual) },
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    );

  const authorization = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom('alice', 'bob', 'admin', 'readOnly', 'noScopes', 'forged')
        .map((who) => `Bearer ${tokens[who]}`),
    },
    fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Basic YWxpY2U6c2VjcmV0',
      'bearer x.y.z',
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
    ),
    printable(60),
  );

  const headers = fc.record(
    {
      authorization,
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        '*/*',
        'application/json, text/plain',
      ),
      'if-match': fc.oneof(
        fc.constantFrom('"1"', '"2"', '*', 'W/"1"', '"0"', '"-1"', '"99999999999"'),
        printable(20),
      ),
      'if-none-match': fc.oneof(fc.constantFrom('*', '"1"', 'W/"1"'), printable(20)),
      'idempotency-key': printable(300),
      'x-consistency-token': fc.oneof(
        printable(80),
        nasty.filter((value) => /^[\x20-\x7e]*$/.test(value)),
      ),
      'x-consistency-timeout-ms': fc.oneof(
        fc.constantFrom('0', '1', '-1', '10001', '1e3', 'NaN'),
        printable(8),
      ),
      'x-correlation-id': printable(200),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/problem+json'),
    },
    { requiredKeys: ['authorization'] },
  );

  const amount = fc.oneof(
    fc.integer({ min: 1, max: 5_000 }),
    fc.double(),
    fc.constantFrom(0, -1, 2 ** 53, 1e308, '100', '1e3', null, true, [], {}),
  );
  const field = fc.oneof(id(), nasty, amount, fc.constant(undefined));
  const commandLike = fc.record(
    {
      amount,
      ownerId: fc.oneof(fc.constantFrom('alice', 'bob'), nasty, printable(70)),
      currency: fc.oneof(fc.constantFrom('EUR', 'USD', 'eur', 'XXX', 'EURO'), nasty),
      fromAccountId: field,
      toAccountId: field,
      source: fc.oneof(fc.constantFrom('cash', 'DROP TABLE'), nasty),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: commandLike.map((value) => JSON.stringify(value)) },
    fc.json({ maxDepth: 4 }),
    printable(200),
    fc.constantFrom(
      '',
      '{',
      '{"amount":',
      'null',
      '[]',
      '"x"',
      '{"__proto__":{"admin":true},"amount":1}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '{"amount":1,"amount":2}',
      `{"pad":"${'x'.repeat(20_000)}"}`,
      `${'['.repeat(3_000)}${']'.repeat(3_000)}`,
      `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`,
      '\uFEFF{"amount":1}',
    ),
    fc.constant(undefined),
  );

  const attempt: fc.Arbitrary<Attempt> = fc
    .tuple(route, queryString, headers, body)
    .chain(([target, query, requestHeaders, requestBody]) =>
      method(target.method).map((verb) => ({
        service: target.service as Attempt['service'],
        method: verb,
        path: `${target.path}${query}`,
        headers: Object.fromEntries(
          Object.entries(requestHeaders).filter((entry): entry is [string, string] => entry[1] !== undefined),
        ),
        body: verb === 'GET' || verb === 'HEAD' ? undefined : requestBody,
      })),
    );

  it('never answers 5xx, never hangs, and appends nothing for a refused request', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(attempt, async (request) => {
        const before = await eventCount();
        const base = request.service === 'command' ? system.command.url : system.query.url;
        const response = await send(base, request);
        const after = await eventCount();
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        expect({ status: response.status < 500, text: response.text.slice(0, 300) }).toMatchObject({
          status: true,
        });
        if (response.status >= 400) expect(after).toBe(before);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The generators reach past authentication: refusals of every kind, and some successes.
    for (const status of [200, 400, 401, 403, 404]) expect(seen.get(status) ?? 0).toBeGreaterThan(0);
  });
});
