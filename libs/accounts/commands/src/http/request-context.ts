import type { FastifyRequest } from 'fastify';
import { BusinessRuleViolation } from '@tally/accounts-domain';
import type { CommandContext } from '../pipeline/command-context';
import { ProblemException, mayAccess, principalOf, type Principal } from '@tally/http';

const strongVersionTag = /^"([1-9][0-9]{0,8})"$/;

/**
 * `If-Match: "<version>"` (the ETag of an earlier write or read) makes the write conditional;
 * `*` or no header means unconditional. Anything else is refused rather than ignored, since a
 * client that sent a precondition expects it to be enforced.
 */
export function expectedVersionOf(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const match = strongVersionTag.exec(header.trim());
  if (!match)
    throw new ProblemException(
      400,
      'invalid-if-match',
      'Invalid If-Match header',
      'If-Match must be one stream version as a quoted ETag, e.g. If-Match: "3".',
    );
  return Number(match[1]);
}

/**
 * Someone else's account is refused exactly as a missing one is (`account-not-found`: 404 for the
 * account in the path, 422 for the source of a transfer), so that its existence is not revealed.
 */
export const accountNotVisible = (detail = 'The account does not exist.') =>
  new BusinessRuleViolation('account-not-found', detail);

/** Only the account's owner (or an admin) may act on it; a missing account has no owner. */
export const ownerOnly =
  (principal: Principal) =>
  (state: unknown): void => {
    if (!mayAccess(principal, (state as { ownerId?: string }).ownerId)) throw accountNotVisible();
  };

/**
 * A request is the cause of the commands it issues, so its id is both correlation and causation.
 * The verified caller is recorded as the actor, and may act only on accounts they own.
 */
export const commandContextOf = (request: FastifyRequest): CommandContext => {
  const principal = principalOf(request);
  return {
    correlationId: request.id,
    causationId: request.id,
    expectedVersion: expectedVersionOf(request),
    ...(principal ? { actor: principal.subject, authorize: ownerOnly(principal) } : {}),
  };
};
