import { selectNewEvents } from './select-new-events';

const e = (streamId: string, streamVersion: number) => ({ streamId, streamVersion });

describe('selectNewEvents', () => {
  it('applies the next versions of every stream in order', () => {
    const result = selectNewEvents([e('a', 1), e('b', 1), e('a', 2)], new Map());
    expect(result.fresh).toEqual([e('a', 1), e('a', 2), e('b', 1)]);
    expect(result.advanced).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(result.parked).toEqual([]);
  });

  it('drops what was already applied, including duplicates inside the batch', () => {
    const result = selectNewEvents(
      [e('a', 2), e('a', 3), e('a', 3), e('a', 2), e('a', 4)],
      new Map([['a', 2]]),
    );
    expect(result.fresh).toEqual([e('a', 3), e('a', 4)]);
    expect(result.advanced).toEqual(new Map([['a', 4]]));
  });

  it('parks an event ahead of its stream and keeps applying the other streams', () => {
    const result = selectNewEvents([e('a', 1), e('b', 3), e('a', 2), e('b', 4)], new Map([['b', 1]]));
    expect(result.fresh).toEqual([e('a', 1), e('a', 2)]);
    expect(result.parked).toEqual([e('b', 3), e('b', 4)]);
    expect(result.advanced).toEqual(new Map([['a', 2]]));
  });

  it('releases parked events in order once the missing version arrives', () => {
    const result = selectNewEvents([e('b', 2)], new Map([['b', 1]]), [e('b', 4), e('b', 3)]);
    expect(result.fresh).toEqual([e('b', 2), e('b', 3), e('b', 4)]);
    expect(result.parked).toEqual([]);
    expect(result.advanced).toEqual(new Map([['b', 4]]));
  });

  it('is idempotent: replaying a whole batch changes nothing', () => {
    const batch = [e('a', 1), e('a', 2), e('b', 1)];
    const first = selectNewEvents(batch, new Map());
    const replay = selectNewEvents(batch, first.advanced);
    expect(replay.fresh).toEqual([]);
    expect(replay.advanced.size).toBe(0);
  });
});
