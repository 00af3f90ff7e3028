import { groupCommitFromEnv } from './group-commit';

describe('groupCommitFromEnv', () => {
  it('uses the documented defaults, and none when group commit is off', () => {
    expect(groupCommitFromEnv({})).toEqual({ maxBatches: 2, maxEvents: 1_000, notifyIntervalMs: 5 });
    expect(groupCommitFromEnv({ EVENT_STORE_GROUP_COMMIT: 'false' })).toBeUndefined();
  });

  it.each(['EVENT_STORE_MAX_BATCHES', 'EVENT_STORE_BATCH_EVENTS', 'EVENT_STORE_NOTIFY_INTERVAL_MS'])(
    'refuses a malformed %s instead of falling back to its default',
    (name) => {
      expect(() => groupCommitFromEnv({ [name]: '0' })).toThrow(new RegExp(name));
      expect(() => groupCommitFromEnv({ [name]: 'many' })).toThrow(new RegExp(name));
    },
  );
});
