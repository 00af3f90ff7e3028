import { StreamStateCache } from './stream-state-cache';

const entry = (version: number, balance = version) => ({
  version,
  state: { balance },
  snapshotVersion: 0,
});

describe('StreamStateCache', () => {
  it('holds at most stateCacheSize streams, dropping the least recently used', () => {
    const cache = new StreamStateCache({ stateCacheSize: 2 });
    cache.remember('a', entry(1));
    cache.remember('b', entry(1));
    cache.get('a'); // a is now more recent than b
    cache.remember('c', entry(1));
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(entry(1));
    expect(cache.get('c')).toEqual(entry(1));
  });

  it('never lets an older state replace a newer one (a slow command finishing late)', () => {
    const cache = new StreamStateCache({ stateCacheSize: 10 });
    cache.remember('a', entry(5));
    cache.remember('a', entry(4));
    cache.remember('a', entry(5, 999));
    expect(cache.get('a')).toEqual(entry(5));
    cache.remember('a', entry(6));
    expect(cache.get('a')).toEqual(entry(6));
  });

  it('forgets a stream on request', () => {
    const cache = new StreamStateCache({ stateCacheSize: 10 });
    cache.remember('a', entry(3));
    cache.forget('a');
    expect(cache.get('a')).toBeUndefined();
    cache.remember('a', entry(2)); // after forgetting, any state is taken again
    expect(cache.get('a')).toEqual(entry(2));
  });

  it('keeps nothing when its size is 0', () => {
    const cache = new StreamStateCache({ stateCacheSize: 0 });
    cache.remember('a', entry(1));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
