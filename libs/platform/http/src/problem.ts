import { HttpException } from '@nestjs/common';

export { problemType } from './problems/problem-catalogue';

/**
 * An RFC 9457 problem. `code` is the stable, machine-readable part clients switch on; `title` and
 * `detail` are for people and may change; `type` is the address of the code's page (`/problems/<code>`).
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers that belong to this problem (e.g. WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super({ code, title, detail, ...extensions }, status);
  }
}

export const notFound = (what: string, id: string) =>
  new ProblemException(404, 'not-found', 'Not found', `${what} ${id} does not exist.`);
