/**
 * kafkajs hands a fetch's partitions to `eachBatch` one call per partition; with several partitions
 * consumed concurrently those calls all start in the same turn of the event loop. Gathering them
 * lets the consumer apply the whole fetch in one PostgreSQL transaction instead of one transaction
 * (plus a broker round trip) per partition, one after another. Each call settles when its batch is
 * done, with the outcome of the gathered work.
 */
export class BatchGathering<T> {
  private pending: { item: T; resolve(): void; reject(error: unknown): void }[] = [];
  private scheduled = false;

  constructor(private readonly handle: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // One macrotask later: every call kafkajs started for the same fetch has arrived by then.
      setImmediate(() => {
        this.scheduled = false;
        const gathered = this.pending;
        this.pending = [];
        this.handle(gathered.map((entry) => entry.item)).then(
          () => gathered.forEach((entry) => entry.resolve()),
          (error: unknown) => gathered.forEach((entry) => entry.reject(error)),
        );
      });
    });
  }
}
