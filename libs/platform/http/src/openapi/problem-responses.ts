import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { ExamplesObject, ResponseObject } from '@nestjs/swagger';
import { problemCatalogue, problemType, type ProblemCode } from '../problems/problem-catalogue';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
export const PROBLEM_SCHEMA = 'Problem';

/** A problem body as an example: what a client really receives for this code and status. */
export const problemExample = (
  code: ProblemCode,
  status: number,
  extensions: Record<string, unknown> = {},
) => ({
  type: problemType(code),
  title: problemCatalogue[code].title,
  status,
  code,
  detail: problemCatalogue[code].description.split('. ')[0].replace(/`/g, '') + '.',
  instance: '/accounts/3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
  ...extensions,
});

/** Extensions some codes carry, so their examples show them. */
const extensionsOf: Partial<Record<ProblemCode, Record<string, unknown>>> = {
  'validation-failed': { errors: [{ field: 'amount', messages: ['amount must be a positive integer'] }] },
  'version-conflict': { currentVersion: 4 },
  'consistency-timeout': {
    streamId: 'account-3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
    requiredVersion: 5,
    appliedVersion: 4,
  },
};

/** The response object for one status answered with these codes: problem+json, one example per code. */
export function problemResponse(
  status: number,
  codes: readonly ProblemCode[],
  description?: string,
): ResponseObject {
  const examples: ExamplesObject = {};
  for (const code of codes)
    examples[code] = {
      summary: problemCatalogue[code].title === code ? code : `${code}: ${problemCatalogue[code].title}`,
      value: problemExample(code, status, extensionsOf[code]),
    };
  return {
    description: description ?? `${codes.map((code) => `\`${code}\``).join(', ')} (see each type's page)`,
    content: {
      [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` }, examples },
    },
  };
}

export type ProblemsByStatus = Partial<Record<number, readonly ProblemCode[]>>;

/**
 * Documents the problems a route can answer with, e.g. `@ApiProblems({ 404: ['account-not-found'],
 * 422: ['insufficient-funds', 'account-closed'] })`: each status as `application/problem+json` with the
 * shared Problem schema and an example per code. Several maps are merged (a route's own problems and
 * those of a guard it shares). The answers every route shares (401, 403, 429, 503, and 400/413/415 for
 * a JSON body) are added to the whole document by `buildOpenApiDocument`.
 */
export const ApiProblems = (...maps: ProblemsByStatus[]) => {
  const merged = new Map<number, ProblemCode[]>();
  for (const map of maps)
    for (const [status, codes] of Object.entries(map))
      merged.set(Number(status), [...new Set([...(merged.get(Number(status)) ?? []), ...(codes ?? [])])]);
  return applyDecorators(
    ...[...merged].map(([status, codes]) => {
      const response = problemResponse(status, codes);
      return ApiResponse({ status, description: response.description, content: response.content });
    }),
  );
};
