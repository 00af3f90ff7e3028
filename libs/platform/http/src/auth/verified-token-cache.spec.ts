import type { Principal } from './principal';
import { VerifiedTokenCache } from './verified-token-cache';

const alice: Principal = { subject: 'alice', scopes: new Set(['tally:read']) };
const now = 1_800_000_000_000;
const expInOneHour = now / 1_000 + 3_600;
const cache = (overrides: Partial<ConstructorParameters<typeof VerifiedTokenCache>[0]> = {}) =>
  new VerifiedTokenCache({ maxEntries: 3, maxAgeMs: 60_000, maxTokenLength: 100, ...overrides });

describe('VerifiedTokenCache', () => {
  it('answers the exact token it was given, and no other', () => {
    const tokens = cache();
    tokens.set('a.b.c', alice, expInOneHour, now);
    expect(tokens.get('a.b.c', now)).toBe(alice);
    expect(tokens.get('a.b.d', now)).toBeUndefined();
    expect(tokens.get('a.b.c ', now)).toBeUndefined();
  });

  it('never answers at or after the token’s exp', () => {
    const tokens = cache();
    const exp = now / 1_000 + 10;
    tokens.set('t', alice, exp, now);
    expect(tokens.get('t', exp * 1_000 - 1)).toBe(alice);
    expect(tokens.get('t', exp * 1_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('forgets an entry after maxAgeMs even when the token lives longer', () => {
    const tokens = cache();
    tokens.set('t', alice, expInOneHour, now);
    expect(tokens.get('t', now + 59_999)).toBe(alice);
    expect(tokens.get('t', now + 60_000)).toBeUndefined();
  });

  it('does not remember an already expired token', () => {
    const tokens = cache();
    tokens.set('t', alice, now / 1_000, now);
    expect(tokens.get('t', now)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('evicts the oldest entry when full', () => {
    const tokens = cache();
    for (const token of ['t1', 't2', 't3', 't4']) tokens.set(token, alice, expInOneHour, now);
    expect(tokens.size).toBe(3);
    expect(tokens.get('t1', now)).toBeUndefined();
    expect(tokens.get('t4', now)).toBe(alice);
  });

  it('does not remember tokens longer than maxTokenLength', () => {
    const tokens = cache({ maxTokenLength: 10 });
    tokens.set('x'.repeat(11), alice, expInOneHour, now);
    expect(tokens.size).toBe(0);
  });
});
