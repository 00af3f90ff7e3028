/**
 * Every problem `code` the services answer with, and what it means. A problem's `type` is the address
 * of its page (`/problems/<code>`, served by each service from this catalogue), so a client that meets
 * a code it does not know can look it up. `code` stays the stable part clients switch on.
 *
 * One catalogue for both services: a code means the same thing wherever it is answered. The ledger's
 * refusals are listed here as data (this library imports no accounts code); a test checks that every
 * code the sources can answer is listed.
 */
export interface ProblemEntry {
  /** The statuses this code is answered with (a refusal named by the URL is a 404, in a body a 422). */
  statuses: readonly number[];
  title: string;
  /** What happened, for people: why it is answered and what the client can do. */
  description: string;
}

const platform = {
  'bad-request': {
    statuses: [400],
    title: 'Bad request',
    description:
      'The request could not be read: its URL is not valid, or its body is not well-formed JSON. Fix the request; retrying it unchanged will fail again.',
  },
  'validation-failed': {
    statuses: [400],
    title: 'The request is not valid',
    description:
      'One or more fields or parameters are missing, of the wrong type, out of range or unknown. `errors` lists each field with its messages. Nothing was changed.',
  },
  unauthorized: {
    statuses: [401],
    title: 'Unauthorized',
    description:
      'No bearer token, or one that is not valid (bad signature, expired, wrong issuer or audience). Obtain a fresh token and send it as `Authorization: Bearer <token>`.',
  },
  forbidden: {
    statuses: [403],
    title: 'Forbidden',
    description: 'The request is authenticated but not allowed.',
  },
  'insufficient-scope': {
    statuses: [403],
    title: 'Forbidden',
    description:
      'The token lacks the scope this operation needs (`tally:write` to write, `tally:read` to read, `tally:admin` for everything).',
  },
  'owner-mismatch': {
    statuses: [403],
    title: 'Forbidden',
    description:
      'The account belongs to another owner, or an account is being opened for another owner. Only the owner and admins may act on or read an account.',
  },
  'not-found': {
    statuses: [404],
    title: 'Not found',
    description: 'Nothing exists at this address, or the resource it names does not exist (yet).',
  },
  'method-not-allowed': {
    statuses: [405],
    title: 'Method not allowed',
    description: 'The resource exists but does not accept this HTTP method.',
  },
  'not-acceptable': {
    statuses: [406],
    title: 'Not acceptable',
    description: 'The service cannot answer in a media type the `Accept` header allows.',
  },
  conflict: {
    statuses: [409],
    title: 'Conflict',
    description: 'The request conflicts with the current state of the resource.',
  },
  'payload-too-large': {
    statuses: [413],
    title: 'Payload too large',
    description: 'The request body is larger than the service accepts (16 KiB). Nothing was read or changed.',
  },
  'unsupported-media-type': {
    statuses: [415],
    title: 'Unsupported media type',
    description: 'Request bodies must be `application/json`. Nothing was changed.',
  },
  unprocessable: {
    statuses: [422],
    title: 'Unprocessable request',
    description: 'The request is well-formed but cannot be carried out.',
  },
  'too-many-requests': {
    statuses: [429],
    title: 'Too many requests',
    description:
      'The client (its token subject, else its address) sent more requests than the rate limit allows. Wait for the seconds in `Retry-After`.',
  },
  'dependency-unavailable': {
    statuses: [503],
    title: 'Service unavailable',
    description:
      'A dependency (PostgreSQL or Kafka) is unreachable or too contended to answer in time. Nothing was acknowledged; retry after `Retry-After` (with the same `Idempotency-Key` for a write).',
  },
  'outcome-unknown': {
    statuses: [503],
    title: 'Outcome unknown',
    description:
      "The database connection failed while the write was being committed, and the service could not find out before the request's deadline whether it was stored: it may or may not have been applied. There is no `Retry-After`: a retry with the same `Idempotency-Key` is safe (it returns the first outcome if there was one), a retry without one may apply the command twice. Read the resource (or its events) to find out.",
  },
  'service-unavailable': {
    statuses: [503],
    title: 'Service unavailable',
    description: 'The service is not ready to answer (see `checks` when present). Retry shortly.',
  },
  'internal-error': {
    statuses: [500],
    title: 'Internal error',
    description:
      "An unexpected error; details are in the service log under the response's `x-correlation-id`, never in the answer.",
  },
  'client-error': {
    statuses: [400],
    title: 'Error',
    description: 'A client error with no more specific code.',
  },
  'server-error': {
    statuses: [500],
    title: 'Error',
    description: 'A server error with no more specific code.',
  },
} as const satisfies Record<string, ProblemEntry>;

/** Write side: headers of conditional and idempotent writes, and back-pressure. */
const writes = {
  'invalid-idempotency-key': {
    statuses: [400],
    title: 'Invalid Idempotency-Key header',
    description: 'The `Idempotency-Key` header must be 1 to 255 visible ASCII characters.',
  },
  'idempotency-key-reused': {
    statuses: [422],
    title: 'Idempotency key reused',
    description:
      'This `Idempotency-Key` was already used for a different request (another route, account or body). Use a new key for a new request.',
  },
  'invalid-if-match': {
    statuses: [400],
    title: 'Invalid If-Match header',
    description: '`If-Match` must be one strong entity tag: the account version in quotes, as in `"3"`.',
  },
  'version-conflict': {
    statuses: [409],
    title: 'Version conflict',
    description:
      'The write asked for a version (`If-Match`, or `If-None-Match: *` to create) that is not the current one; `currentVersion` says which is. Read the account again and decide. Nothing was changed.',
  },
  overloaded: {
    statuses: [503],
    title: 'Service unavailable',
    description:
      "The service's command queues are full. Nothing was acknowledged; retry after `Retry-After` with the same `Idempotency-Key`.",
  },
} as const satisfies Record<string, ProblemEntry>;

/** Read side: read-your-writes tokens and paging. */
const reads = {
  'invalid-consistency-token': {
    statuses: [400],
    title: 'Invalid consistency token',
    description: '`X-Consistency-Token` must be a token a write answered with, unchanged.',
  },
  'invalid-consistency-timeout': {
    statuses: [400],
    title: 'Invalid consistency timeout',
    description:
      '`X-Consistency-Timeout-Ms` must be a whole number of milliseconds within the allowed range.',
  },
  'consistency-timeout': {
    statuses: [503],
    title: 'The read side has not applied this write yet',
    description:
      'The read side did not reach the write named by `X-Consistency-Token` within the wait. Retry after `Retry-After`; the write itself is durable.',
  },
  'invalid-cursor': {
    statuses: [400],
    title: 'Invalid cursor',
    description:
      'The `cursor` parameter must be a `nextCursor` from a previous page of the same listing, unchanged.',
  },
} as const satisfies Record<string, ProblemEntry>;

/** The admin console's operator actions. */
const operations = {
  'rebuild-already-running': {
    statuses: [503],
    title: 'A rebuild is already running',
    description:
      'Another rebuild of the same read models holds the read database (started by `npm run rebuild` or another console): one at a time. Nothing was started; retry after `Retry-After`, once it has finished.',
  },
  'corrected-redrive-refused': {
    statuses: [422],
    title: 'A re-drive publishes the stored event, never a corrected value',
    description:
      'A dead letter is re-driven by publishing the event the event store holds for it (found by its event id, or by its stream and version), so the read side can only ever show what the store holds. Nothing was published. Re-drive it without a value; correct money with an adjustment (`POST /accounts/{id}/adjustments`, tally:admin).',
  },
  'not-a-stored-event': {
    statuses: [422],
    title: 'The dead letter is not a stored event',
    description:
      'No event in the event store has the event id, or the stream and version, of this dead letter: it was never written by the relay (a message someone else put on the topic). Nothing was published; inspect it and mark it handled.',
  },
} as const satisfies Record<string, ProblemEntry>;

/** The ledger's rules: refusals of the account and transfer deciders. */
const rules = {
  'account-not-found': {
    statuses: [404, 422],
    title: 'Not found',
    description:
      'The account does not exist. Answered 404 when the URL names it, 422 when a transfer names it in its body.',
  },
  'account-exists': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'An account with this id already exists.',
  },
  'account-closed': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'The account is closed and accepts no deposits, withdrawals or transfers.',
  },
  'invalid-amount': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'The amount must be a positive whole number of minor units within the allowed range.',
  },
  'invalid-currency': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'The currency must be a three-letter ISO 4217 code.',
  },
  'balance-limit-exceeded': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'The credit would take the balance above the largest balance an account can hold.',
  },
  'insufficient-funds': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'The balance is less than the amount to withdraw or transfer.',
  },
  'nonzero-balance': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'Only an account with a zero balance can be closed: withdraw or transfer the rest first.',
  },
  'transfer-exists': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'A transfer with this id already exists.',
  },
  'same-account': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'A transfer needs two different accounts.',
  },
  'currency-mismatch': {
    statuses: [422],
    title: 'Business rule violated',
    description: 'Both accounts of a transfer must hold the same currency.',
  },
  'transfer-not-found': {
    statuses: [422],
    title: 'Business rule violated',
    description:
      'The transfer does not exist (a step of the transfer process; not expected from a client request).',
  },
  'transfer-not-debited': {
    statuses: [422],
    title: 'Business rule violated',
    description:
      "The transfer's source has not been debited yet (a step of the transfer process; not expected from a client request).",
  },
  'transfer-completed': {
    statuses: [422],
    title: 'Business rule violated',
    description:
      'The transfer is already completed (a step of the transfer process; not expected from a client request).',
  },
} as const satisfies Record<string, ProblemEntry>;

export const problemCatalogue: Readonly<Record<ProblemCode, ProblemEntry>> = {
  ...platform,
  ...writes,
  ...reads,
  ...operations,
  ...rules,
};

export type ProblemCode =
  | keyof typeof platform
  | keyof typeof writes
  | keyof typeof reads
  | keyof typeof operations
  | keyof typeof rules;

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(problemCatalogue, code);

/** Where a problem's page is: relative to the service that answered it (RFC 9457 §3.1.1). */
export const PROBLEMS_PATH = '/problems';

export const problemType = (code: string): string => `${PROBLEMS_PATH}/${encodeURIComponent(code)}`;
