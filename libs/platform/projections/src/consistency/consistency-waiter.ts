import { EventEmitter } from 'node:events';
import type { ConsistencyPoint } from '@tally/contracts';
import type { KafkaLogger } from '@tally/messaging';
import { Client } from 'pg';
import { POSITIONS_CHANNEL, appliedVersion } from '../stream-positions';

export interface ConsistencyWaiterOptions {
  databaseUrl: string;
  projector: string;
  query(sql: string, parameters: unknown[]): Promise<unknown>;
  logger: KafkaLogger;
  /** Safety net when a notification is missed (listener reconnecting): re-check at least this often. */
  pollIntervalMs?: number;
}

export interface WaitOutcome {
  reached: boolean;
  appliedVersion: number;
  waitedMs: number;
}

/**
 * Waits until this read database has applied a given stream version. Positions live in the shared
 * read database, so the answer is the same on every replica, whichever one applied the write; a
 * committed batch NOTIFYs, which wakes the waiters at once, and a short poll covers a lost listener.
 */
export class ConsistencyWaiter {
  private readonly advanced = new EventEmitter().setMaxListeners(0);
  private listener?: Client;
  private stopped = false;

  constructor(private readonly options: ConsistencyWaiterOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen().catch((error: unknown) => this.retryListen(error));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
    this.advanced.emit('advanced');
  }

  async waitFor(point: ConsistencyPoint, timeoutMs: number): Promise<WaitOutcome> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    const poll = this.options.pollIntervalMs ?? 250;
    for (;;) {
      const applied = await appliedVersion(
        { query: this.options.query },
        this.options.projector,
        point.streamId,
      );
      const waitedMs = Date.now() - started;
      if (applied >= point.version) return { reached: true, appliedVersion: applied, waitedMs };
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.stopped) return { reached: false, appliedVersion: applied, waitedMs };
      await this.nextAdvance(Math.min(poll, remaining));
    }
  }

  private nextAdvance(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.advanced.off('advanced', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.advanced.on('advanced', done);
    });
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message) => {
      if (message.payload === this.options.projector) this.advanced.emit('advanced');
    });
    client.on('error', (error) => this.retryListen(error));
    await client.connect();
    await client.query(`LISTEN ${POSITIONS_CHANNEL}`);
    this.listener = client;
  }

  private retryListen(error: unknown): void {
    if (this.stopped) return;
    this.options.logger.warn({ err: error }, 'consistency listener lost; polling until it is back');
    const old = this.listener;
    this.listener = undefined;
    void old?.end().catch(() => undefined);
    setTimeout(() => {
      if (!this.stopped) void this.listen().catch((next: unknown) => this.retryListen(next));
    }, 1_000).unref();
  }
}
