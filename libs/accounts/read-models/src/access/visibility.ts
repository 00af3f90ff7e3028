import { ProblemException, isAdmin, mayAccess, principalOf } from '@tally/http';
import type { FastifyRequest } from 'fastify';

/** Whether the caller may read what `ownerId` owns (no principal: the app has no authentication). */
export const visibleTo = (request: FastifyRequest, ownerId: string): boolean => {
  const principal = principalOf(request);
  return !principal || mayAccess(principal, ownerId);
};

/**
 * The owner whose accounts a caller may list: themselves by default, and only themselves unless
 * admin. Asking for another owner is 403 whether or not that owner exists, so nothing is revealed.
 */
export const visibleOwner = (request: FastifyRequest, ownerId: string | undefined): string | undefined => {
  const principal = principalOf(request);
  if (!principal || isAdmin(principal)) return ownerId;
  if (ownerId !== undefined && ownerId !== principal.subject)
    throw new ProblemException(
      403,
      'owner-mismatch',
      'Forbidden',
      'Only your own accounts: ownerId must be the subject of your token (or leave it out).',
    );
  return principal.subject;
};
