import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { WRITE_POOL } from '@tally/event-store';
import type { Pool } from 'pg';
import { Gauge, register } from 'prom-client';

/**
 * Transfers not finished yet (`transfers_in_flight`) and the age of the oldest, read from the write
 * database when /metrics is scraped: every instance reports the same figures, whichever one drives
 * the transfers, and they stay right while the transfer worker is stuck.
 */
@Injectable()
export class TransferMetrics implements OnApplicationBootstrap {
  private reading?: Promise<{ inFlight: number; oldestAgeSeconds: number }>;

  constructor(@Inject(WRITE_POOL) private readonly pool: Pool) {}

  onApplicationBootstrap(): void {
    if (register.getSingleMetric('tally_transfers_in_flight')) return;
    const read = () => this.read();
    new Gauge({
      name: 'tally_transfers_in_flight',
      help: 'Transfers requested and not yet completed or failed',
      async collect() {
        this.set((await read()).inFlight);
      },
    });
    new Gauge({
      name: 'tally_transfers_oldest_age_seconds',
      help: 'Age of the oldest transfer not yet completed or failed (0 when none)',
      async collect() {
        this.set((await read()).oldestAgeSeconds);
      },
    });
  }

  /** One query for both gauges of a scrape. */
  private read(): Promise<{ inFlight: number; oldestAgeSeconds: number }> {
    this.reading ??= this.pool
      .query<{ inFlight: number; oldestAgeSeconds: number }>(
        `SELECT count(*)::int AS "inFlight",
                COALESCE(extract(epoch FROM now() - min(requested_at)), 0)::float8 AS "oldestAgeSeconds"
         FROM transfers_in_flight`,
      )
      .then(({ rows }) => rows[0])
      .finally(() => setImmediate(() => (this.reading = undefined)));
    return this.reading;
  }
}
