import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import type { LoadResult } from './closed-loop';

export interface HttpLoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  /** The path of each request (called once per request, so it can spread the load over resources). */
  path: () => string;
  body?: string;
  headers?: Record<string, string>;
  /** Open-loop rate limit across all connections (requests per second); none: as fast as it goes. */
  overallRate?: number;
}

export interface HttpLoadResult extends LoadResult {
  /** Responses by status: { '2xx': 1000, '503': 2 }. */
  statuses: Record<string, number>;
}

/**
 * One autocannon run on loopback. Latencies are taken from autocannon's per-response events into an
 * HDR histogram in microseconds (autocannon's own histogram has 1 ms resolution); only 2xx count as
 * operations, anything else (and socket errors or timeouts) counts as an error.
 */
export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const statuses: Record<string, number> = {};
  let errors = 0;
  // Without a callback autocannon returns its event emitter, made thenable.
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    overallRate: options.overallRate,
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        setupRequest: (request) => ({ ...request, path: options.path() }),
      },
    ],
  }) as unknown as Promise<autocannon.Result> & autocannon.Instance;
  const begin = process.hrtime.bigint();
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    const kind = statusCode >= 200 && statusCode < 300 ? '2xx' : String(statusCode);
    statuses[kind] = (statuses[kind] ?? 0) + 1;
    if (kind === '2xx') histogram.recordValue(Math.max(1, Math.round(responseTime * 1000)));
    else errors++;
  });
  const result = await instance;
  const seconds = Math.max(Number(process.hrtime.bigint() - begin) / 1e9, result.duration);
  errors += result.errors + result.timeouts;
  const out: HttpLoadResult = {
    operations: histogram.totalCount,
    errors,
    seconds,
    perSecond: histogram.totalCount / seconds,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    maxMs: histogram.maxValue / 1000,
    statuses,
  };
  histogram.destroy();
  return out;
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapConcurrently<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
