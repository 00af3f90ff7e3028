import type { EventEnvelope } from '@tally/contracts';
import type { BulkLoadable, BulkTarget, CopyValue } from './bulk-load';
import { ShadowLoader } from './shadow-loader';

const event = (streamId: string, streamVersion: number): EventEnvelope => ({
  eventId: `${streamId}@${streamVersion}`,
  type: 'test.happened',
  schemaVersion: 1,
  streamId,
  streamVersion,
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: {},
  metadata: { correlationId: 'test', causationId: 'test' },
});

function setUp() {
  const rows = new Map<string, CopyValue[][]>();
  const target: BulkTarget = {
    table: (name) => ({ write: (row) => rows.set(name, [...(rows.get(name) ?? []), [...row]]) }),
  };
  const applied: string[] = [];
  const projection: BulkLoadable = {
    name: 'recorder',
    apply: () => Promise.reject(new Error('the bulk path must not use apply')),
    bulkLoad: () => ({
      add: (events) => applied.push(...events.map((e) => e.eventId)),
      finish: () => undefined,
    }),
  };
  return { loader: new ShadowLoader('accounts', [projection], target), rows, applied };
}

describe('ShadowLoader', () => {
  it('applies each stream version once, in order, parking events ahead of a gap until it fills', () => {
    const { loader, applied } = setUp();
    expect(loader.apply([event('a', 1), event('a', 3), event('b', 1), event('a', 1)])).toEqual({
      applied: 2,
      parked: 1,
    });
    expect(loader.apply([event('b', 1), event('a', 2)])).toEqual({ applied: 2, parked: 0 });
    expect(applied).toEqual(['a@1', 'b@1', 'a@2', 'a@3']);
  });

  it('writes the positions and the still parked events at the end, as the live consumer keeps them', () => {
    const { loader, rows } = setUp();
    loader.apply([event('a', 1), event('a', 2), event('c', 2)]);
    loader.finish();
    expect(rows.get('stream_positions')).toEqual([
      ['accounts', 'a', 2],
      ['accounts', 'c', 0],
    ]);
    expect(rows.get('parked_events')).toEqual([['accounts', 'c', 2, JSON.stringify(event('c', 2))]]);
  });
});
