import type { CommitOutcomeUnknownError } from '@tally/database';
import type { EventStore } from '@tally/event-store';
import { backOff } from './back-off';

/** Stored, not stored, or still unknown when the deadline came. */
export type Outcome = 'stored' | 'not-stored' | 'unknown';

/**
 * What became of an append whose connection failed before the store answered: the store is asked
 * whether its events are there (the pipeline knows their ids), again and again while the database is
 * unreachable, until `deadline` (epoch ms). An append is all or nothing, so one of its events answers
 * for all of them. The lost session is ended first (see `EventStore.storedAmong`), so a "not stored"
 * stays true.
 */
export async function outcomeOf(
  store: EventStore,
  eventIds: string[],
  lost: CommitOutcomeUnknownError,
  deadline: number,
): Promise<Outcome> {
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    try {
      const stored = await store.storedAmong(eventIds, lost.backendPid);
      return stored.size > 0 ? 'stored' : 'not-stored';
    } catch {
      await backOff(Math.min(attempt + 4, 10), deadline); // 32 ms, then up to 100 ms between asks
    }
  }
  return 'unknown';
}
