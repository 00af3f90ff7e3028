import { Injectable, type PipeTransform } from '@nestjs/common';
import { accountStreamId } from '@tally/contracts';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@tally/http';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An account id in a path: a UUID, lower-cased, so that `/accounts/ABC…` and `/accounts/abc…` name
 * the same stream (and the same idempotency scope is not split by letter case).
 */
@Injectable()
export class AccountIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!uuid.test(value))
      throw new ProblemException(400, 'validation-failed', 'The request is not valid', 'See errors.', {
        errors: [{ field: 'id', messages: ['id must be a UUID'] }],
      });
    return value.toLowerCase();
  }
}

/** The stream of the account in the path, for `@Idempotent(accountInPath)` (ids are lower-cased). */
export const accountInPath = (request: FastifyRequest): string =>
  accountStreamId(String((request.params as { id?: unknown }).id).toLowerCase());
