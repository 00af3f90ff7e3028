import type { RecordedEvent } from './logged-event';
import { inStreamOrder, seedsOfPossiblyMissingVersions } from './stream-order';

const event = (streamId: string, streamVersion: number): RecordedEvent =>
  ({ eventId: `${streamId}@${streamVersion}`, streamId, streamVersion }) as RecordedEvent;

describe('publication order helpers', () => {
  it('seeds the version before each stream and every version missing inside it', () => {
    const batch = [event('a', 1), event('a', 2), event('b', 3), event('c', 2), event('c', 5)];
    expect(seedsOfPossiblyMissingVersions(batch)).toEqual([
      { streamId: 'b', version: 2 },
      { streamId: 'c', version: 1 },
      { streamId: 'c', version: 3 },
      { streamId: 'c', version: 4 },
    ]);
  });

  it('keeps streams in order of first appearance, each in version order', () => {
    const ordered = inStreamOrder([event('b', 3), event('a', 2), event('b', 2), event('a', 1)]);
    expect(ordered.map((e) => e.eventId)).toEqual(['b@2', 'b@3', 'a@1', 'a@2']);
  });
});
