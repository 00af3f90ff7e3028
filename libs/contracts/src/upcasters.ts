import { accountEventUpcasters } from './account-event-upcasters';
import type { EventEnvelope } from './event-envelope';

/**
 * Upcasters turn an event written with an older schema version into the next version. A released
 * schema is never edited: a change adds version N+1 and an upcaster from N, applied here at
 * deserialisation, so domain code and projections only ever see the latest shape.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** Upcasters by event type, then by the schema version each one upgrades from (to the next). */
export type Upcasters = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

/** Applies `upcasters` to the event, one version at a time, until none applies. */
export function upcastWith<E extends EventEnvelope>(upcasters: Upcasters, event: E): E {
  let current = event;
  const nextOf = (e: E): Upcaster | undefined => upcasters[e.type]?.[e.schemaVersion];
  for (let next = nextOf(current); next; next = nextOf(current)) {
    current = {
      ...current,
      data: next(current.data as Record<string, unknown>),
      schemaVersion: current.schemaVersion + 1,
    };
  }
  return current;
}

/**
 * Every upcaster of this system's events, as one constant table: no registration at import time, so
 * every reader that calls `upcast` (the event store's readers, `decodeEvent`) sees the same versions
 * whichever modules it happened to load. Transfer events have no second version yet.
 */
const eventUpcasters: Upcasters = { ...accountEventUpcasters };

/** The event at the latest schema version of its type. */
export const upcast = <E extends EventEnvelope>(event: E): E => upcastWith(eventUpcasters, event);
