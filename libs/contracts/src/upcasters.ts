import type { EventEnvelope } from './event-envelope';

/**
 * Upcasters turn an event written with an older schema version into the next version. A released
 * schema is never edited: a change adds version N+1 and an upcaster from N, applied here at
 * deserialisation, so domain code and projections only ever see the latest shape.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

const upcasters = new Map<string, Upcaster>();

const key = (type: string, fromVersion: number) => `${type}@${fromVersion}`;

export function registerUpcaster(type: string, fromVersion: number, upcaster: Upcaster): void {
  upcasters.set(key(type, fromVersion), upcaster);
}

export function upcast<E extends EventEnvelope>(event: E): E {
  let current = event;
  for (let next = upcasters.get(key(current.type, current.schemaVersion)); next;) {
    current = {
      ...current,
      data: next(current.data as Record<string, unknown>),
      schemaVersion: current.schemaVersion + 1,
    };
    next = upcasters.get(key(current.type, current.schemaVersion));
  }
  return current;
}
