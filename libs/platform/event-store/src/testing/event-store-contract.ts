import { randomUUID } from 'node:crypto';
import { eventually } from '@tally/testing';
import type { EventStore } from '../event-store';
import {
  DuplicateEventError,
  START_OF_STORE,
  WrongExpectedVersionError,
  type NewEvent,
} from '../recorded-event';

export interface ContractSubject {
  store: EventStore;
  /**
   * Starts an append that takes its store positions now but commits only when `commit` is called
   * (a slow transaction), for the gap-safety of the global order. Absent: the adapter cannot have
   * such writers, and says so.
   */
  slowAppend?: (streamId: string, events: NewEvent[]) => Promise<{ commit(): Promise<void> }>;
  close(): Promise<void>;
}

const event = (type = 'test.happened', data: unknown = { n: 1 }): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: 'c', causationId: 'c' },
  occurredAt: new Date('2026-01-01T00:00:00Z'),
});
const events = (n: number) => Array.from({ length: n }, (_, i) => event('test.happened', { n: i + 1 }));
const newStream = () => `test-${randomUUID()}`;

/**
 * What every EventStore adapter must do, run against each of them (PostgreSQL in the integration
 * tests, the in-memory one in the unit tests).
 */
export function eventStoreContract(adapter: string, open: () => Promise<ContractSubject>): void {
  describe(`the event store contract: ${adapter}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(() => subject?.close());

    it('appends to a new stream at 0 and reads it back in version order, from any version', async () => {
      const stream = newStream();
      expect(await store.append(stream, 'test', 0, events(3))).toBe(3);
      expect(await store.append(stream, 'test', 3, events(2))).toBe(5);
      expect((await store.readStream(stream)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
      expect((await store.readStream(stream, 2, 2)).map((e) => e.streamVersion)).toEqual([2, 3]);
      expect(await store.streamVersion(stream)).toBe(5);
      expect(await store.streamVersion(newStream())).toBe(0);
    });

    it('refuses an append at a stale expected version and writes none of its events', async () => {
      const stream = newStream();
      await store.append(stream, 'test', 0, events(2));
      for (const stale of [0, 1, 3]) {
        const refused = store.append(stream, 'test', stale, events(2));
        await expect(refused).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await expect(refused).rejects.toMatchObject({ expectedVersion: stale, actualVersion: 2 });
      }
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('lets exactly one of many racing appends at the same version win', async () => {
      const stream = newStream();
      await store.append(stream, 'test', 0, events(1));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.append(stream, 'test', 1, events(2))),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === 'rejected'))
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
      expect(await store.streamVersion(stream)).toBe(3);
    });

    it('refuses an event id stored before, writing nothing, and knows which ids it holds', async () => {
      const stream = newStream();
      const first = event();
      await store.append(stream, 'test', 0, [first]);
      await expect(store.append(stream, 'test', 1, [event(), { ...first }])).rejects.toBeInstanceOf(
        DuplicateEventError,
      );
      expect(await store.streamVersion(stream)).toBe(1);
      expect(await store.hasEvent(first.eventId)).toBe(true);
      expect(await store.hasEvent(randomUUID())).toBe(false);
      const unknown = randomUUID();
      expect(await store.storedAmong([first.eventId, unknown])).toEqual(new Set([first.eventId]));
    });

    it('reads a stream from its newest snapshot of the asked kind', async () => {
      const stream = newStream();
      await store.append(stream, 'test', 0, events(5));
      expect(await store.readStreamFromSnapshot(stream, 'kind@1')).toMatchObject({ snapshot: undefined });
      await store.saveSnapshot(stream, 'kind@1', { version: 3, state: { total: 3 } });
      await store.saveSnapshot(stream, 'kind@1', { version: 2, state: { total: 2 } }); // older: ignored
      const loaded = await store.readStreamFromSnapshot(stream, 'kind@1');
      expect(loaded.snapshot).toEqual({ version: 3, state: { total: 3 } });
      expect(loaded.events.map((e) => e.streamVersion)).toEqual([4, 5]);
      const otherKind = await store.readStreamFromSnapshot(stream, 'kind@2');
      expect(otherKind.snapshot).toBeUndefined();
      expect(otherKind.events).toHaveLength(5);
    });

    it('reads everything in one global order, each stream in version order, page by page', async () => {
      const [a, b] = [newStream(), newStream()];
      await store.append(a, 'test', 0, events(2));
      await store.append(b, 'test', 0, events(1));
      await store.append(a, 'test', 2, events(1));
      // Polled: PostgreSQL's order holds back everything behind any transaction still open on the
      // server (another test's, say), never reordering it.
      const seen = await eventually(async () => {
        const all = await readAll(store, 2);
        if (all.filter((e) => e.streamId === a || e.streamId === b).length < 4) throw new Error('not yet');
        return all;
      }, 15_000);
      const mine = seen.filter((e) => e.streamId === a || e.streamId === b);
      expect(mine.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.streamVersion}`)).toEqual([
        'a1',
        'a2',
        'b1',
        'a3',
      ]);
      expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
    });

    it('runs exclusive work on one stream one at a time', async () => {
      const stream = newStream();
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 5 }, () =>
          store.exclusively(stream, async (locked) => {
            most = Math.max(most, ++inside);
            await new Promise((resolve) => setTimeout(resolve, 5));
            await locked.append(stream, 'test', await locked.streamVersion(stream), events(1));
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
      expect(await store.streamVersion(stream)).toBe(5);
    });

    it('never passes over an event committed late by a writer that took its position early', async () => {
      if (!subject.slowAppend) {
        console.info(`${adapter}: has no writers that commit late; gap-safety is not simulated`);
        return;
      }
      const [slow, fast] = [newStream(), newStream()];
      const pending = await subject.slowAppend(slow, events(1)); // positions taken, not committed
      await store.append(fast, 'test', 0, events(1)); // committed, positioned after it
      const before = await readAll(store);
      expect(before.some((e) => e.streamId === slow)).toBe(false);
      await pending.commit();
      const after = await eventually(async () => {
        const all = await readAll(store);
        if (!all.some((e) => e.streamId === fast)) throw new Error('not yet');
        return all;
      }, 15_000);
      const order = after.filter((e) => e.streamId === slow || e.streamId === fast).map((e) => e.streamId);
      expect(order).toEqual([slow, fast]); // once committed, read in its place: nothing skipped
    });
  });
}

/** Everything in the global order, read `page` events at a time. */
async function readAll(store: EventStore, page = 1_000) {
  const seen = [];
  for (let position = START_OF_STORE; ;) {
    const events = await store.readAllAfter(position, page);
    if (events.length === 0) return seen;
    seen.push(...events);
    position = events[events.length - 1].position;
  }
}
