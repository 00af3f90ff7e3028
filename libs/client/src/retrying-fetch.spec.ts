import { retryAfterMs, retryingFetch, safeToRepeat } from './retrying-fetch';

const answer = (status: number, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify({ status }), { status, headers });

/** A fetch that answers from a script, and remembers what it was sent. */
function scripted(...script: (Response | Error)[]) {
  const sent: { method: string; key: string | null; body: string }[] = [];
  const fetch = async (request: Request) => {
    sent.push({
      method: request.method,
      key: request.headers.get('idempotency-key'),
      body: await request.text(),
    });
    const next = script.shift();
    if (!next) throw new Error('the script ran out');
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, sent };
}

const write = (key?: string) =>
  new Request('http://tally.test/accounts/a1/deposits', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ amount: 500 }),
  });
const read = () => new Request('http://tally.test/accounts/a1');

describe('retryingFetch', () => {
  const waits: number[] = [];
  const wait = async (ms: number) => void waits.push(ms);
  beforeEach(() => (waits.length = 0));

  it('retries a keyed write after a network error, with the same key and body', async () => {
    const { fetch, sent } = scripted(new TypeError('fetch failed'), answer(200));
    const response = await retryingFetch(fetch, {}, wait)(write('k1'));
    expect(response.status).toBe(200);
    expect(sent).toEqual([
      { method: 'POST', key: 'k1', body: '{"amount":500}' },
      { method: 'POST', key: 'k1', body: '{"amount":500}' },
    ]);
    expect(waits).toEqual([200]);
  });

  it('never repeats a write without an Idempotency-Key', async () => {
    const network = scripted(new TypeError('fetch failed'), answer(200));
    await expect(retryingFetch(network.fetch, {}, wait)(write())).rejects.toThrow('fetch failed');
    expect(network.sent).toHaveLength(1);
    const busy = scripted(answer(503, { 'retry-after': '1' }), answer(200));
    expect((await retryingFetch(busy.fetch, {}, wait)(write())).status).toBe(503);
    expect(busy.sent).toHaveLength(1);
  });

  it.each([503, 429])('retries a %i after its Retry-After', async (status) => {
    const { fetch, sent } = scripted(answer(status, { 'retry-after': '2' }), answer(200));
    expect((await retryingFetch(fetch, {}, wait)(write('k2'))).status).toBe(200);
    expect(sent).toHaveLength(2);
    expect(waits).toEqual([2000]);
  });

  it('answers a 503 without Retry-After at once (outcome-unknown: it may have been applied)', async () => {
    const { fetch, sent } = scripted(answer(503), answer(200));
    expect((await retryingFetch(fetch, {}, wait)(write('k3'))).status).toBe(503);
    expect(sent).toHaveLength(1);
  });

  it('answers a Retry-After longer than it will wait, and every other error, at once', async () => {
    const long = scripted(answer(503, { 'retry-after': '60' }));
    expect((await retryingFetch(long.fetch, { maxDelayMs: 10_000 }, wait)(read())).status).toBe(503);
    for (const status of [500, 502, 409, 422, 400]) {
      const other = scripted(answer(status, { 'retry-after': '1' }));
      expect((await retryingFetch(other.fetch, {}, wait)(read())).status).toBe(status);
      expect(other.sent).toHaveLength(1);
    }
  });

  it('stops after its bound and gives the last answer', async () => {
    const { fetch, sent } = scripted(...[1, 2, 3].map(() => answer(503, { 'retry-after': '1' })));
    expect((await retryingFetch(fetch, { retries: 2 }, wait)(read())).status).toBe(503);
    expect(sent).toHaveLength(3);
    const network = scripted(new TypeError('a'), new TypeError('b'), new TypeError('c'));
    await expect(retryingFetch(network.fetch, { retries: 2 }, wait)(read())).rejects.toThrow('c');
    expect(waits.slice(-2)).toEqual([200, 400]);
  });

  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-12-08T10:00:00Z');
    expect(retryAfterMs(answer(503, { 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(answer(503, { 'retry-after': 'Tue, 08 Dec 2026 10:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(answer(503, { 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(answer(503), now)).toBeUndefined();
  });

  it('calls reads and keyed writes safe to repeat, nothing else', () => {
    expect(safeToRepeat(read())).toBe(true);
    expect(safeToRepeat(write('k'))).toBe(true);
    expect(safeToRepeat(write())).toBe(false);
  });
});
