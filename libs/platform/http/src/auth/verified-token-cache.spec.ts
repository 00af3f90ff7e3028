import type { Principal } from './principal';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token-cache';

const alice: Principal = { subject: 'alice', scopes: new Set(['tally:read']) };
const start = 1_800_000_000_000;
const expInOneHour = start / 1_000 + 3_600;

/** A cache on a clock the test moves. */
const cache = (overrides: Partial<VerifiedTokenCacheOptions> = {}) => {
  const clock = { now: start };
  const tokens = new VerifiedTokenCache({
    maxEntries: 3,
    maxAgeMs: 60_000,
    maxTokenLength: 100,
    clock: () => clock.now,
    ...overrides,
  });
  return { tokens, clock };
};

describe('VerifiedTokenCache', () => {
  it('answers the exact token it was given, and no other', () => {
    const { tokens } = cache();
    tokens.set('a.b.c', alice, expInOneHour);
    expect(tokens.get('a.b.c')).toBe(alice);
    expect(tokens.get('a.b.d')).toBeUndefined();
    expect(tokens.get('a.b.c ')).toBeUndefined();
  });

  it('never answers at or after the token’s exp', () => {
    const { tokens, clock } = cache();
    const exp = start / 1_000 + 10;
    tokens.set('t', alice, exp);
    clock.now = exp * 1_000 - 1;
    expect(tokens.get('t')).toBe(alice);
    clock.now = exp * 1_000;
    expect(tokens.get('t')).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('forgets an entry after maxAgeMs even when the token lives longer', () => {
    const { tokens, clock } = cache();
    tokens.set('t', alice, expInOneHour);
    clock.now = start + 59_999;
    expect(tokens.get('t')).toBe(alice);
    clock.now = start + 60_000;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('does not remember an already expired token', () => {
    const { tokens } = cache();
    tokens.set('t', alice, start / 1_000);
    expect(tokens.get('t')).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('evicts the least recently used entry when full', () => {
    const { tokens } = cache();
    for (const token of ['t1', 't2', 't3']) tokens.set(token, alice, expInOneHour);
    tokens.get('t1');
    tokens.set('t4', alice, expInOneHour);
    expect(tokens.size).toBe(3);
    expect(tokens.get('t2')).toBeUndefined();
    expect(tokens.get('t1')).toBe(alice);
    expect(tokens.get('t4')).toBe(alice);
  });

  it('does not remember tokens longer than maxTokenLength', () => {
    const { tokens } = cache({ maxTokenLength: 10 });
    tokens.set('x'.repeat(11), alice, expInOneHour);
    expect(tokens.size).toBe(0);
  });
});
