import type { components } from './generated/command-service';

/**
 * The RFC 9457 problem a Tally service answers an error with (the `Problem` schema both documents
 * share): `code` is what to switch on (`insufficient-funds`, `version-conflict`, …).
 */
export type Problem = components['schemas']['Problem'];

/** A field of the request and what is wrong with it (a `validation-failed` problem's `errors`). */
export type FieldProblem = NonNullable<Problem['errors']>[number];

/**
 * An answer that was not a success, as an error carrying the problem: `code`, `status`, the fields
 * at fault, and the Idempotency-Key the write was sent with (retry a `503 outcome-unknown` with it:
 * the retry is answered with what happened, and never applies the command twice).
 */
export class TallyProblemError extends Error {
  override readonly name = 'TallyProblemError';
  readonly code: string;
  readonly status: number;
  readonly fields: FieldProblem[];

  constructor(
    readonly problem: Problem,
    readonly idempotencyKey?: string,
    /** Seconds the service asked to wait before a retry, when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.code = problem.code;
    this.status = problem.status;
    this.fields = problem.errors ?? [];
  }
}

/** An error answer's body as a problem, or one made up from the status for a body that is not one. */
export function asProblem(body: unknown, response: Response): Problem {
  const problem = body as Partial<Problem> | undefined;
  if (problem && typeof problem.code === 'string' && typeof problem.status === 'number')
    return problem as Problem;
  return {
    type: 'about:blank',
    title: response.statusText || 'Unexpected answer',
    status: response.status,
    code: `http-${response.status}`,
    ...(typeof body === 'string' && body ? { detail: body.slice(0, 200) } : {}),
  };
}
