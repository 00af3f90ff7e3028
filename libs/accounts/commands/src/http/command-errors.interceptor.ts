import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { BusinessRuleViolation } from '@tally/accounts-domain';
import { ProblemException } from '@tally/http';
import type { FastifyRequest } from 'fastify';
import { catchError, type Observable } from 'rxjs';
import { CommitOutcomeUnknownError } from '@tally/database';
import {
  CommandQueueFullError,
  NotWrittenError,
  OutcomeUnknownError,
  StreamContendedError,
  VersionConflictError,
} from '../pipeline/pipeline-errors';
import { isRefusal, refusalStatus, type Refusal } from './refusal-problems';

/** Maps refusals of the domain and of the store onto the public problem codes. */
@Injectable()
export class CommandErrorsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const accountInPath = typeof (request.params as Record<string, unknown> | undefined)?.id === 'string';
    return next.handle().pipe(
      catchError((error: unknown) => {
        throw toProblem(error, accountInPath);
      }),
    );
  }
}

const isDeclaredRefusal = (error: unknown): error is BusinessRuleViolation<Refusal> =>
  error instanceof BusinessRuleViolation && isRefusal(error.code);

function toProblem(error: unknown, accountInPath: boolean): unknown {
  if (error instanceof VersionConflictError) {
    return new ProblemException(409, 'version-conflict', 'Version conflict', error.message, {
      currentVersion: error.currentVersion,
    });
  }
  // The server's own congestion or a write that certainly failed, never the client's fault: 503 with
  // Retry-After.
  if (error instanceof StreamContendedError || error instanceof NotWrittenError)
    return new ProblemException(503, 'dependency-unavailable', 'Service unavailable', error.message);
  // Perhaps written, perhaps not (an idempotent request's COMMIT lost: its key makes a retry safe).
  if (error instanceof OutcomeUnknownError || error instanceof CommitOutcomeUnknownError)
    return new ProblemException(503, 'outcome-unknown', 'Outcome unknown', outcomeUnknownDetail(error));
  if (error instanceof CommandQueueFullError)
    return new ProblemException(503, 'overloaded', 'Service unavailable', error.message);
  // A refusal code no decider declares is a bug, not a client's mistake: it stays a 500.
  if (!isDeclaredRefusal(error)) return error;
  // The same status the route's OpenAPI entry documents the code under (`refusalProblems`).
  return refusalStatus(error.code, accountInPath) === 404
    ? new ProblemException(404, error.code, 'Not found', error.detail)
    : new ProblemException(422, error.code, 'Business rule violated', error.detail);
}

const outcomeUnknownDetail = (error: Error): string =>
  error instanceof OutcomeUnknownError
    ? error.message
    : 'The request may or may not have been applied: the database connection failed while it was being committed. ' +
      'Retry with the same Idempotency-Key (safe); a retry without one may apply it twice.';
