import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { BusinessRuleViolation } from '@tally/accounts-domain';
import { ProblemException } from '@tally/http';
import type { FastifyRequest } from 'fastify';
import { catchError, type Observable } from 'rxjs';
import {
  CommandQueueFullError,
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
  // Both are the server's own congestion, never the client's fault: 503 with Retry-After.
  if (error instanceof StreamContendedError)
    return new ProblemException(503, 'dependency-unavailable', 'Service unavailable', error.message);
  if (error instanceof CommandQueueFullError)
    return new ProblemException(503, 'overloaded', 'Service unavailable', error.message);
  // A refusal code no decider declares is a bug, not a client's mistake: it stays a 500.
  if (!isDeclaredRefusal(error)) return error;
  // The same status the route's OpenAPI entry documents the code under (`refusalProblems`).
  return refusalStatus(error.code, accountInPath) === 404
    ? new ProblemException(404, error.code, 'Not found', error.detail)
    : new ProblemException(422, error.code, 'Business rule violated', error.detail);
}
