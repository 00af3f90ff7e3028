import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { decodeConsistencyToken } from '@tally/contracts';
import { ProblemException } from '@tally/http';
import type { FastifyRequest } from 'fastify';
import { Histogram, register } from 'prom-client';
import { ConsistencyWaiter } from './consistency-waiter';

export const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token';
export const CONSISTENCY_TIMEOUT_HEADER = 'x-consistency-timeout-ms';

export interface ConsistencySettings {
  /** How long a read with a token waits when the client does not say. */
  defaultTimeoutMs: number;
  /** The longest wait a client may ask for with X-Consistency-Timeout-Ms. */
  maxTimeoutMs: number;
}

export const CONSISTENCY_SETTINGS = Symbol('CONSISTENCY_SETTINGS');

const waitHistogram = (): Histogram<'outcome'> => {
  const existing = register.getSingleMetric('tally_consistency_wait_seconds') as
    Histogram<'outcome'> | undefined;
  if (existing) return existing;
  const histogram = new Histogram({
    name: 'tally_consistency_wait_seconds',
    help: 'How long reads with X-Consistency-Token waited for their write to be applied; outcome reached or timeout (answered 503)',
    labelNames: ['outcome'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  });
  // Both series exist from the start: a timeout rate is 0, not absent, until the first timeout.
  histogram.zero({ outcome: 'reached' });
  histogram.zero({ outcome: 'timeout' });
  return histogram;
};

/**
 * Read-your-writes for any route: a request carrying `X-Consistency-Token` is held until the read
 * database has applied that write, then answered; if that takes longer than the allowed wait it gets
 * 503 `consistency-timeout` with Retry-After, never data older than the client's own write.
 *
 * A global guard rather than an interceptor: with any global interceptor Nest runs every request of
 * every route through an rxjs pipeline, which was the largest cost left on the hottest read (15 % of
 * its CPU). It is registered after the bearer-auth guard, so an unauthenticated request is refused
 * at once and never waits.
 */
@Injectable()
export class ConsistencyGuard implements CanActivate {
  private readonly waits = waitHistogram();

  constructor(
    private readonly waiter: ConsistencyWaiter,
    @Inject(CONSISTENCY_SETTINGS) private readonly settings: ConsistencySettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers[CONSISTENCY_TOKEN_HEADER];
    if (header === undefined) return true;
    const point = typeof header === 'string' ? decodeConsistencyToken(header.trim()) : undefined;
    if (!point)
      throw new ProblemException(
        400,
        'invalid-consistency-token',
        'Invalid consistency token',
        `${CONSISTENCY_TOKEN_HEADER} must be a token returned by the write API, sent once.`,
      );
    const timeoutMs = this.timeoutOf(request.headers[CONSISTENCY_TIMEOUT_HEADER]);
    const outcome = await this.waiter.waitFor(point, timeoutMs);
    this.waits.observe({ outcome: outcome.reached ? 'reached' : 'timeout' }, outcome.waitedMs / 1000);
    if (outcome.reached) return true;
    throw new ProblemException(
      503,
      'consistency-timeout',
      'The read side has not applied this write yet',
      `Waited ${outcome.waitedMs} ms for ${point.streamId} version ${point.version}; retry shortly.`,
      { streamId: point.streamId, requiredVersion: point.version, appliedVersion: outcome.appliedVersion },
      { 'retry-after': '1' },
    );
  }

  private timeoutOf(value: string | string[] | undefined): number {
    if (value === undefined) return this.settings.defaultTimeoutMs;
    const parsed = typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) ? Number(value) : NaN;
    if (!(parsed <= this.settings.maxTimeoutMs))
      throw new ProblemException(
        400,
        'invalid-consistency-timeout',
        'Invalid consistency timeout',
        `${CONSISTENCY_TIMEOUT_HEADER} must be a whole number of milliseconds from 0 to ${this.settings.maxTimeoutMs}.`,
      );
    return parsed;
  }
}
