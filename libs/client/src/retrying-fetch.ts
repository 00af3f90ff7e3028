/** How a client retries on its own. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** The longest wait it accepts: a longer Retry-After is answered to the caller (default 10 s). */
  maxDelayMs?: number;
  /** The wait before retrying a network error, doubled each time (default 200 ms). */
  networkBackoffMs?: number;
}

export type Fetch = (request: Request) => Promise<Response>;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether repeating the request cannot do anything twice: a read, or a write that carries an
 * Idempotency-Key (the service answers its repeat with the first answer). A write without a key is
 * never repeated: if its answer was lost, it may have been applied.
 */
export const safeToRepeat = (request: Request): boolean =>
  IDEMPOTENT_METHODS.has(request.method) || request.headers.has('idempotency-key');

/** Retry-After in milliseconds (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `fetch` with the retries that are safe, and only those: a network error, or a 503/429 that says
 * when to come back (Retry-After) within `maxDelayMs`, for a request that is safe to repeat. A 503
 * without Retry-After (`outcome-unknown`: the write may have been applied) goes back to the caller,
 * as does everything else. The same request (the same Idempotency-Key) is sent each time.
 */
export function retryingFetch(
  fetch: Fetch,
  { retries = 3, maxDelayMs = 10_000, networkBackoffMs = 200 }: RetryPolicy = {},
  wait: (ms: number) => Promise<unknown> = sleep,
): Fetch {
  return async (request) => {
    const repeatable = safeToRepeat(request);
    for (let attempt = 0; ; attempt++) {
      const last = !repeatable || attempt >= retries;
      let response: Response;
      try {
        response = await fetch(last ? request : request.clone());
      } catch (error) {
        if (last) throw error;
        await wait(networkBackoffMs * 2 ** attempt);
        continue;
      }
      if (last || (response.status !== 503 && response.status !== 429)) return response;
      const delay = retryAfterMs(response);
      if (delay === undefined || delay > maxDelayMs) return response;
      await response.body?.cancel();
      await wait(delay);
    }
  };
}
