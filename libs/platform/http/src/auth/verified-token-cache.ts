import { LRUCache } from 'lru-cache';
import type { Principal } from './principal';

export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered at once; the least recently used makes room for a new one. */
  maxEntries: number;
  /** Longest an entry is trusted, whatever its `exp` (bounds how long a revoked JWKS key still counts). */
  maxAgeMs: number;
  /** Longer tokens are not remembered, so the cache's memory stays bounded by maxEntries × this. */
  maxTokenLength: number;
  /** Wall clock in epoch ms (`exp` is wall-clock time); tests move it. */
  clock?: () => number;
}

/**
 * Principals of tokens that passed full verification, keyed by the exact token string, so a client
 * sending the same bearer token again skips the signature check (the largest CPU cost of a read).
 * Only successes are remembered: a forged, expired or misaddressed token is verified, and refused,
 * every time. Bounded in entries and token size; entries expire at the token's `exp` at the latest.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Principal>;
  private readonly clock: () => number;

  constructor(private readonly options: VerifiedTokenCacheOptions) {
    this.clock = options.clock ?? (() => Date.now());
    // ttlResolution 0: read the clock on every lookup, so no entry outlives its token's exp by a tick.
    this.entries = new LRUCache({ max: options.maxEntries, perf: { now: this.clock }, ttlResolution: 0 });
  }

  get(token: string): Principal | undefined {
    return this.entries.get(token);
  }

  /** Remembers a verified token until `expSeconds` (its `exp` claim) or maxAgeMs, whichever is first. */
  set(token: string, principal: Principal, expSeconds: number): void {
    // lru-cache counts an entry stale only once MORE than ttl ms have passed: hence the 1 ms less.
    const ttl = Math.min(expSeconds * 1_000 - this.clock(), this.options.maxAgeMs) - 1;
    if (!(ttl > 0) || token.length > this.options.maxTokenLength) return;
    this.entries.set(token, principal, { ttl });
  }

  get size(): number {
    return this.entries.size;
  }
}
