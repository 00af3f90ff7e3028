import { setTimeout as sleep } from 'node:timers/promises';
import type { CommitOutcomeUnknownError } from '@tally/database';
import type { EventStore } from '@tally/event-store';
import { backOff } from './back-off';

/** Stored, not stored, or still unknown when the deadline came. */
export type Outcome = 'stored' | 'not-stored' | 'unknown';

export const STILL_UNKNOWN = Symbol('still unknown');

/**
 * Asks `ask` until it answers, again and again while it fails (the database unreachable), but never
 * past `deadline` (epoch ms), even if an ask hangs: then STILL_UNKNOWN.
 */
export async function askUntil<T>(
  ask: () => Promise<T>,
  deadline: number,
): Promise<T | typeof STILL_UNKNOWN> {
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const giveUp = new AbortController();
    try {
      return await Promise.race([
        ask(),
        sleep(deadline - Date.now(), STILL_UNKNOWN, { signal: giveUp.signal, ref: false }),
      ]);
    } catch {
      await backOff(Math.min(attempt + 4, 10), deadline); // 32 ms, then up to 100 ms between asks
    } finally {
      giveUp.abort();
    }
  }
  return STILL_UNKNOWN;
}

/**
 * What became of an append whose connection failed before the store answered: the store is asked
 * whether its events are there (the pipeline knows their ids) until `deadline`. An append is all or
 * nothing, so one of its events answers for all of them. The lost session is ended first (see
 * `EventStore.storedAmong`), so a "not stored" stays true.
 */
export async function outcomeOf(
  store: EventStore,
  eventIds: string[],
  lost: CommitOutcomeUnknownError,
  deadline: number,
): Promise<Outcome> {
  const stored = await askUntil(() => store.storedAmong(eventIds, lost.backendPid), deadline);
  if (stored === STILL_UNKNOWN) return 'unknown';
  return stored.size > 0 ? 'stored' : 'not-stored';
}
