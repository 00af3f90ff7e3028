import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { BusinessRuleViolation } from '@tally/accounts-domain';
import { ProblemException } from '@tally/http';
import { catchError, type Observable } from 'rxjs';
import { VersionConflictError } from './command-pipeline';

/** Maps refusals of the domain and of the store onto the public problem codes. */
@Injectable()
export class CommandErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        throw toProblem(error);
      }),
    );
  }
}

function toProblem(error: unknown): unknown {
  if (error instanceof VersionConflictError) {
    return new ProblemException(409, 'version-conflict', 'Version conflict', error.message, {
      currentVersion: error.currentVersion,
    });
  }
  if (!(error instanceof BusinessRuleViolation)) return error;
  if (error.code === 'account-not-found')
    return new ProblemException(404, error.code, 'Not found', error.detail);
  return new ProblemException(422, error.code, 'Business rule violated', error.detail);
}
