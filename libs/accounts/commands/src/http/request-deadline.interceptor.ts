import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Observable, throwError, timeout } from 'rxjs';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';
import { DEADLINE_GRACE_MS } from '../pipeline/deadline-guard';
import { OutcomeUnknownError } from '../pipeline/pipeline-errors';

/**
 * How long after the pipeline's own guards this one answers. The pipeline's guards count from when a
 * command joins its stream's queue and answer precisely (never sent: not written; sent: unknown); this
 * one counts from the request's arrival and only catches what they cannot see.
 */
export const REQUEST_DEADLINE_MARGIN_MS = 500;

/**
 * Every write request is answered by its deadline, whatever it waits on before or after its turn in
 * the pipeline: the loads a handler does first (a transfer reads both accounts), the BEGIN and COMMIT of
 * a caller's transaction, an idempotency key's claim. A stalled connection there held a transfer
 * request for 6.6 s against a 5 s deadline (chaos, write-database stall). The work may still be under
 * way when this answers, so the only true answer is 503 outcome-unknown: a retry with the same
 * Idempotency-Key is safe, one without may apply the command twice.
 */
@Injectable()
export class RequestDeadlineInterceptor implements NestInterceptor {
  constructor(@Inject(COMMANDS_OPTIONS) private readonly options: Pick<CommandsOptions, 'streams'>) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'POST') return next.handle(); // reads are bounded by their pool's timeouts
    const limitMs = this.options.streams.deadlineMs + DEADLINE_GRACE_MS + REQUEST_DEADLINE_MARGIN_MS;
    const target = request.url.split('?')[0];
    return next.handle().pipe(
      timeout({
        first: limitMs,
        with: () =>
          throwError(
            () =>
              new OutcomeUnknownError(
                target,
                `it was still being processed when its deadline passed (a database call did not answer in time)`,
              ),
          ),
      }),
    );
  }
}
