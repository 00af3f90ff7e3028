import { selectNewEvents } from './select-new-events';

const e = (streamId: string, streamVersion: number) => ({ streamId, streamVersion });

describe('selectNewEvents', () => {
  it('applies the next versions of every stream in order', () => {
    const result = selectNewEvents([e('a', 1), e('b', 1), e('a', 2)], new Map());
    expect(result.fresh).toEqual([e('a', 1), e('b', 1), e('a', 2)]);
    expect(result.advanced).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(result.gapAt).toBeUndefined();
  });

  it('drops what was already applied, including duplicates inside the batch', () => {
    const result = selectNewEvents(
      [e('a', 2), e('a', 3), e('a', 3), e('a', 2), e('a', 4)],
      new Map([['a', 2]]),
    );
    expect(result.fresh).toEqual([e('a', 3), e('a', 4)]);
    expect(result.advanced).toEqual(new Map([['a', 4]]));
  });

  it('stops at a gap and applies nothing after it', () => {
    const result = selectNewEvents([e('a', 1), e('b', 3), e('a', 2)], new Map([['b', 1]]));
    expect(result.fresh).toEqual([e('a', 1)]);
    expect(result.gapAt).toBe(1);
    expect(result.advanced).toEqual(new Map([['a', 1]]));
  });

  it('is idempotent: replaying a whole batch changes nothing', () => {
    const batch = [e('a', 1), e('a', 2), e('b', 1)];
    const first = selectNewEvents(batch, new Map());
    expect(selectNewEvents(batch, first.advanced).fresh).toEqual([]);
  });
});
