import * as hdr from 'hdr-histogram-js';

export interface LoadResult {
  operations: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  /** Stops earlier once this many operations have started. */
  maxOperations?: number;
}

/**
 * `concurrency` workers each run `operation` back to back until the time (or count) is up: the
 * classic closed-loop load of a fixed number of clients. Latency is recorded in microseconds in an
 * HDR histogram, so percentiles stay exact without keeping every sample.
 */
export async function closedLoop(
  operation: (index: number) => Promise<unknown>,
  { concurrency, durationMs, maxOperations = Number.MAX_SAFE_INTEGER }: ClosedLoopOptions,
): Promise<LoadResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let started = 0;
  let errors = 0;
  const begin = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  const worker = async () => {
    while (Date.now() < deadline && started < maxOperations) {
      const index = started++;
      const t0 = process.hrtime.bigint();
      try {
        await operation(index);
      } catch {
        errors++;
      }
      histogram.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  const result = {
    operations: histogram.totalCount,
    errors,
    seconds,
    perSecond: histogram.totalCount / seconds,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    maxMs: histogram.maxValue / 1000,
  };
  histogram.destroy();
  return result;
}
