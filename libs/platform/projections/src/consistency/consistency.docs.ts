import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { ProblemsByStatus } from '@tally/http';

/**
 * The read-your-writes headers ConsistencyGuard (global on the read side) reads on every route, for
 * the OpenAPI document; `readYourWritesProblems` are the problems they can cause.
 */
export const ApiReadYourWritesHeaders = () =>
  applyDecorators(
    ApiHeader({
      name: 'X-Consistency-Token',
      required: false,
      description:
        "A write's `consistencyToken`: the answer waits until this replica has applied that write (never stale data).",
      schema: { type: 'string', example: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjV9' },
    }),
    ApiHeader({
      name: 'X-Consistency-Timeout-Ms',
      required: false,
      description:
        'How long to wait for X-Consistency-Token, in milliseconds (default CONSISTENCY_DEFAULT_TIMEOUT_MS, 2000; at most CONSISTENCY_MAX_TIMEOUT_MS, 10000).',
      schema: { type: 'integer', minimum: 0, example: 2000 },
    }),
  );

export const readYourWritesProblems: ProblemsByStatus = {
  400: ['invalid-consistency-token', 'invalid-consistency-timeout'],
  503: ['consistency-timeout'],
};
