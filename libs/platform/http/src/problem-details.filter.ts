import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDependencyFailure } from './dependency-failure';
import { ProblemException, problemType, type ProblemBody } from './problem';

/** The code of an error that carries only a status (Nest's and Fastify's own). */
export const problemCodeByStatus: Record<number, [code: string, title: string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable', 'Unprocessable request'],
  429: ['too-many-requests', 'Too many requests'],
  503: ['service-unavailable', 'Service unavailable'],
};

const RETRY_AFTER_SECONDS = 1;

/** Errors raised by Fastify itself (body parsing, size limits) carry a client status code. */
const clientStatusOf = (error: unknown): number | undefined => {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
};

const isHealthProbe = (url: string) => url.startsWith('/health/');

/**
 * node-postgres gave up waiting for an answer (`query_timeout`: a stalled connection). For a read that
 * changes nothing, "retry" is the truth; for a write the outcome is unknown, so it is never turned into
 * a 503 that invites a retry here (the command pipeline resolves or reports such outcomes itself).
 */
const isReadTimedOut = (method: string, error: unknown) =>
  (method === 'GET' || method === 'HEAD') &&
  (error as { message?: unknown })?.message === 'Query read timeout';

/**
 * Turns every error into an `application/problem+json` response. Anything that is not a known
 * client error is logged and answered as a bare 500 that reveals nothing internal.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(error, request.method);
    problem.instance = request.url;
    if (error instanceof ProblemException) void reply.headers(error.headers);
    if (problem.status === 503) {
      // A readiness probe's 503 is its answer (starting, or a dependency down), not a failed request:
      // logging it would repeat the same lines at every probe, every few seconds.
      if (!isHealthProbe(request.url)) this.logger.warn({ err: error, problem }, 'dependency unavailable');
      // An unknown outcome is no invitation to retry: a retry without an Idempotency-Key may apply twice.
      if (problem.code !== 'outcome-unknown') void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    } else if (problem.status >= 500) {
      this.logger.error({ err: error, problem }, 'request failed');
    }
    void reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
  }

  private toProblem(error: unknown, method: string): ProblemBody {
    if (error instanceof ProblemException) {
      return {
        type: problemType(error.code),
        title: error.title,
        status: error.getStatus(),
        code: error.code,
        ...(error.detail === undefined ? {} : { detail: error.detail }),
        ...error.extensions,
      };
    }
    if (isDependencyFailure(error) || isReadTimedOut(method, error)) {
      return this.generic(
        503,
        'dependency-unavailable',
        'Service unavailable',
        'A dependency is unreachable; retry shortly.',
      );
    }
    const status = error instanceof HttpException ? error.getStatus() : clientStatusOf(error);
    if (status === undefined) return this.generic(500, 'internal-error', 'Internal error', undefined);
    const [code, title] = problemCodeByStatus[status] ?? [
      status < 500 ? 'client-error' : 'server-error',
      'Error',
    ];
    const response = error instanceof HttpException ? error.getResponse() : undefined;
    const problem = this.generic(status, code, title, (error as Error).message);
    // Terminus answers an unready service with per-dependency details worth passing on.
    if (typeof response === 'object' && response !== null && 'details' in response) {
      problem.checks = (response as { details: unknown }).details;
    }
    return problem;
  }

  private generic(status: number, code: string, title: string, detail: string | undefined): ProblemBody {
    return { type: problemType(code), title, status, code, ...(detail ? { detail } : {}) };
  }
}
