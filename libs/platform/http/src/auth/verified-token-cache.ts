import type { Principal } from './principal';

export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered at once; the oldest entry makes room for a new one. */
  maxEntries: number;
  /** Longest an entry is trusted, whatever its `exp` (bounds how long a revoked JWKS key still counts). */
  maxAgeMs: number;
  /** Longer tokens are not remembered, so the cache's memory stays bounded by maxEntries × this. */
  maxTokenLength: number;
}

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry no longer counts: never later than the token's own `exp`. */
  expiresAt: number;
}

/**
 * Principals of tokens that passed full verification, keyed by the exact token string, so a client
 * sending the same bearer token again skips the signature check (the largest CPU cost of a read).
 * Only successes are remembered: a forged, expired or misaddressed token is verified, and refused,
 * every time. Bounded in entries and token size; entries expire at the token's `exp` at the latest.
 */
export class VerifiedTokenCache {
  // A Map iterates in insertion order, so its first key is always the oldest entry to evict.
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: VerifiedTokenCacheOptions) {}

  get(token: string, now = Date.now()): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (now < entry.expiresAt) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  /** Remembers a verified token until `expSeconds` (its `exp` claim) or maxAgeMs, whichever is first. */
  set(token: string, principal: Principal, expSeconds: number, now = Date.now()): void {
    const expiresAt = Math.min(expSeconds * 1_000, now + this.options.maxAgeMs);
    if (!(expiresAt > now) || token.length > this.options.maxTokenLength) return;
    this.entries.delete(token);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { principal, expiresAt });
  }

  get size(): number {
    return this.entries.size;
  }
}
