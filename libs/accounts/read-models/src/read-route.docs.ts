import { applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiProblems, type ProblemsByStatus } from '@tally/http';
import { ApiReadYourWritesHeaders, readYourWritesProblems } from '@tally/projections';

interface ReadRouteDocs {
  /** The operation's name in the OpenAPI document, and so in generated clients (`getAccount`). */
  operationId: string;
  summary: string;
  description?: string;
  ok: { type: Type; description: string; example: object };
  /** Single resources carry an ETag and answer 304 to a matching If-None-Match (see withEtag). */
  etag?: boolean;
  problems?: ProblemsByStatus;
}

const etagHeader = {
  ETag: { description: 'The version of this representation.', schema: { type: 'string', example: '"5"' } },
};

/** Everything the OpenAPI document says about a read route, in one decorator. */
export const ReadRoute = ({
  operationId,
  summary,
  description,
  ok,
  etag = false,
  problems = {},
}: ReadRouteDocs) =>
  applyDecorators(
    ApiOperation({ operationId, summary, ...(description ? { description } : {}) }),
    ApiOkResponse({
      type: ok.type,
      description: ok.description,
      example: ok.example,
      ...(etag ? { headers: etagHeader } : {}),
    }),
    ...(etag
      ? [
          ApiHeader({
            name: 'If-None-Match',
            required: false,
            description: 'ETags you hold; a match is answered 304 with no body.',
            schema: { type: 'string', example: '"5"' },
          }),
          ApiResponse({
            status: 304,
            description: 'Not modified: you hold the current representation.',
            headers: etagHeader,
          }),
        ]
      : []),
    ApiReadYourWritesHeaders(),
    ApiProblems(readYourWritesProblems, problems),
  );
