import {
  accountRefusals,
  transferRefusals,
  type AccountRefusal,
  type TransferRefusal,
} from '@tally/accounts-domain';
import type { ProblemCode, ProblemsByStatus } from '@tally/http';

/**
 * The deciders' refusals as the API answers them. The lists per command (`accountRefusalsOf`,
 * `transferRefusalsOf` in the domain) are the one source: the error mapping (`command-errors`) answers
 * a refusal with the status chosen here, and each write route documents exactly its command's
 * refusals with `refusalProblems`, so a code added to a decider shows up in both.
 */
export type Refusal = AccountRefusal | TransferRefusal;

/**
 * Every refusal must be a catalogued problem code (its page, title and description): a refusal the
 * catalogue lacks makes this line fail the type check, naming the code.
 */
type Uncatalogued = Exclude<Refusal, ProblemCode>;
const everyRefusalCatalogued: [Uncatalogued] extends [never] ? true : Uncatalogued = true;
void everyRefusalCatalogued;

const refusals = new Set<string>([...accountRefusals, ...transferRefusals]);

/** A code some decider declares (anything else thrown as a refusal is a bug, answered 500). */
export const isRefusal = (code: string): code is Refusal => refusals.has(code);

/**
 * The status of a refusal: the account named by the URL missing is a missing resource (404); every
 * other refusal, an account named in the body of a transfer included, is a rule the request broke (422).
 */
export const refusalStatus = (code: Refusal, accountInPath: boolean): 404 | 422 =>
  code === 'account-not-found' && accountInPath ? 404 : 422;

/** A route's refusals by the status they are answered with, for `@ApiProblems` / `@WriteRoute`. */
export function refusalProblems(codes: readonly Refusal[], accountInPath: boolean): ProblemsByStatus {
  const byStatus: Record<404 | 422, Refusal[]> = { 404: [], 422: [] };
  for (const code of codes) byStatus[refusalStatus(code, accountInPath)].push(code);
  return Object.fromEntries(Object.entries(byStatus).filter(([, list]) => list.length > 0));
}

/**
 * A command's refusals without those its route can never meet, each named with the reason at the
 * call site (e.g. the service, not the client, picks a new transfer's id).
 */
export const refusalsExcept = <Code extends Refusal>(
  codes: readonly Code[],
  ...unreachable: Code[]
): readonly Code[] => codes.filter((code) => !unreachable.includes(code));
