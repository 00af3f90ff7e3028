import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, type HeaderObject } from '@nestjs/swagger';
import { ApiProblems, type ProblemsByStatus } from '@tally/http';
import { refusalProblems, type Refusal } from './refusal-problems';

interface WriteRouteDocs {
  /** The operation's name in the OpenAPI document, and so in generated clients (`depositMoney`). */
  operationId: string;
  summary: string;
  description?: string;
  /** The success answer: its status, body and what it means. */
  ok: { status: 200 | 201 | 202; type: Type; description: string; example: object };
  /** A command on an existing account (named by the URL): If-Match, and the problems that go with it. */
  existingAccount?: boolean;
  /** The answer carries the new version as ETag (every account write), and Location (a new account). */
  etag?: boolean;
  location?: boolean;
  /**
   * The refusals of the route's command, from its decider (`accountRefusalsOf.DepositMoney`, …):
   * documented as 404 or 422 by the status the error mapping answers them with.
   */
  refusals: readonly Refusal[];
  /** The route's own problems besides its command's refusals; the ones every write shares are added. */
  problems?: ProblemsByStatus;
}

const headers: Record<'etag' | 'location' | 'replayed', HeaderObject> = {
  etag: {
    description:
      'The account version after this write; send it as If-Match to make the next write conditional.',
    schema: { type: 'string', example: '"5"' },
  },
  location: {
    description: 'The new account.',
    schema: { type: 'string', example: '/accounts/3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10' },
  },
  replayed: {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** What every write can answer: the Idempotency-Key's problems and a full command queue. */
const everyWrite: ProblemsByStatus = {
  400: ['invalid-idempotency-key'],
  422: ['idempotency-key-reused'],
  503: ['overloaded', 'outcome-unknown'],
};

/** If-Match, and someone else's account, answered exactly like a missing one (`ownerOnly`). */
const onExistingAccount: ProblemsByStatus = {
  400: ['invalid-if-match'],
  404: ['account-not-found'],
  409: ['version-conflict'],
};

/**
 * Everything the OpenAPI document says about a write route, in one decorator (one, because a status's
 * problems must be documented in one piece): summary, success answer and its headers, If-Match for a
 * command on an existing account, and the problems of the route's command (its decider's refusals), of
 * the route itself, of every write and of an existing account.
 */
export const WriteRoute = ({
  operationId,
  summary,
  description,
  ok,
  existingAccount = false,
  etag = true,
  location = false,
  refusals,
  problems = {},
}: WriteRouteDocs) =>
  applyDecorators(
    ApiOperation({ operationId, summary, ...(description ? { description } : {}) }),
    ApiResponse({
      status: ok.status,
      type: ok.type,
      description: ok.description,
      example: ok.example,
      headers: {
        ...(etag ? { ETag: headers.etag } : {}),
        ...(location ? { Location: headers.location } : {}),
        'Idempotent-Replayed': headers.replayed,
      },
    }),
    ...(existingAccount
      ? [
          ApiHeader({
            name: 'If-Match',
            required: false,
            description:
              'The version you last saw, as an ETag ("3"): the write happens only if it is still current, else 409 version-conflict with currentVersion. Without it a write is never answered 409.',
            schema: { type: 'string', example: '"4"' },
          }),
        ]
      : []),
    ApiProblems(
      everyWrite,
      existingAccount ? onExistingAccount : {},
      refusalProblems(refusals, existingAccount),
      problems,
    ),
  );
