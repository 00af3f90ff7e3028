interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the single-key lookups of one event-loop turn into one multi-key query. Under load many
 * requests reach their lookup in the same turn (Node reads every ready socket before it checks
 * timers and immediates), and one round trip for all of them costs both this process and PostgreSQL
 * far less than one each. A lone request waits only for the rest of its turn (setImmediate).
 *
 * Every lookup still starts its query after it was asked for, so it sees every write committed
 * before (a read that waited on a consistency token included); a failed query fails each of its
 * lookups with the same error.
 */
export class BatchedLookup<V> {
  private pending = new Map<string, Waiter<V>[]>();

  constructor(
    /** Finds the values of these keys; a key without a value is absent from the map. */
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxKeysPerQuery: number,
  ) {}

  load(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) setImmediate(() => this.flush());
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = new Map();
    const keys = [...batch.keys()];
    for (let start = 0; start < keys.length; start += this.maxKeysPerQuery) {
      const chunk = keys.slice(start, start + this.maxKeysPerQuery);
      const waitersOf = (key: string) => batch.get(key) ?? [];
      this.fetch(chunk).then(
        (found) => {
          for (const key of chunk) for (const waiter of waitersOf(key)) waiter.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const key of chunk) for (const waiter of waitersOf(key)) waiter.reject(error);
        },
      );
    }
  }
}
