import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyKeys } from './idempotency-keys';

const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes expired idempotency keys once an hour. Correctness does not depend on it (an expired key
 * is treated as absent and reclaimed on use); it only keeps the table from growing without bound.
 * Every instance may run it: the delete is idempotent.
 */
@Injectable()
export class IdempotencyKeyCleanup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('IdempotencyKeyCleanup');
  private timer?: NodeJS.Timeout;

  constructor(private readonly keys: IdempotencyKeys) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.cleanUp(), CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async cleanUp(): Promise<void> {
    try {
      const deleted = await this.keys.deleteExpired();
      if (deleted > 0) this.logger.log({ deleted }, 'expired idempotency keys deleted');
    } catch (error) {
      this.logger.warn({ err: error }, 'idempotency key cleanup failed; retrying in an hour');
    }
  }
}
