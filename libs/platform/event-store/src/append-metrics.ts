import { Histogram, register } from 'prom-client';

/**
 * How long appends take, by how they commit: `committed` (through the pool, grouped with others or
 * not: until the commit) or `in-transaction` (inside a caller's transaction, such as a transfer step:
 * the statement only, the commit comes later). Only appends that succeeded are counted; version conflicts are the
 * command pipeline's business.
 */
export const appendDuration = (): Histogram<'mode'> => {
  const existing = register.getSingleMetric('tally_event_store_append_duration_seconds');
  if (existing) return existing as Histogram<'mode'>;
  const histogram = new Histogram({
    name: 'tally_event_store_append_duration_seconds',
    help: 'Time to append events to the event store (committed: until the commit; in-transaction: the statement, inside a transaction of the caller)',
    labelNames: ['mode'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  histogram.zero({ mode: 'committed' });
  histogram.zero({ mode: 'in-transaction' });
  return histogram;
};
