import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type HeaderObject,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ResponseObject,
} from '@nestjs/swagger';
import { CORRELATION_HEADER } from '../correlation';
import type { ProblemCode } from '../problems/problem-catalogue';
import { PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA, problemResponse } from './problem-responses';
import { problemSchema } from './problem-schema';

export interface ApiInfo {
  title: string;
  description: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

const ref = (component: string) => ({ $ref: `#/components/headers/${component}` });

const sharedHeaders: Record<string, HeaderObject> = {
  CorrelationId: {
    description:
      "The request's correlation id: yours if you sent a sane one, else a new UUID. It is in the service's logs and in the metadata of every event the request causes.",
    schema: { type: 'string', example: '7c4e1f0a-5b2d-4e8f-9a13-6d0b2c9e8f41' },
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 1, example: 1 },
  },
};

/** The answers every documented route can give, whatever it does: they come from the shared edge. */
const everyRoute: Record<number, { codes: ProblemCode[]; retryAfter?: boolean }> = {
  401: { codes: ['unauthorized'] },
  403: { codes: ['insufficient-scope'] },
  429: { codes: ['too-many-requests'], retryAfter: true },
  503: { codes: ['dependency-unavailable'], retryAfter: true },
};

/** Answers of a route that takes a JSON body (Fastify refuses these before the route runs). */
const withBody: Record<number, ProblemCode[]> = {
  400: ['bad-request', 'validation-failed'],
  413: ['payload-too-large'],
  415: ['unsupported-media-type'],
};

/** Adds one status's problems to an operation, merging with what the route documents itself. */
function addProblems(
  operation: OperationObject,
  status: number,
  codes: ProblemCode[],
  retryAfter = false,
): void {
  const key = String(status);
  const added = problemResponse(status, codes);
  const existing = operation.responses[key] as ResponseObject | undefined;
  const content = existing?.content?.[PROBLEM_MEDIA_TYPE];
  if (!existing) operation.responses[key] = added;
  else if (!content) existing.content = added.content;
  else {
    const examples = (content.examples ??= {});
    for (const [code, example] of Object.entries(added.content?.[PROBLEM_MEDIA_TYPE]?.examples ?? {}))
      if (!(code in examples)) examples[code] = example;
    existing.description = `${Object.keys(examples)
      .map((code) => `\`${code}\``)
      .join(', ')} (see each type's page)`;
  }
  if (retryAfter) {
    const response = operation.responses[key] as ResponseObject;
    response.headers = { ...response.headers, 'Retry-After': ref('RetryAfter') };
  }
}

/**
 * Completes what the routes declare with what the shared edge does to every route, so the document
 * says it once instead of every controller repeating it: the correlation id on every request and
 * answer, the problems of authentication, rate limiting, body parsing and unavailable dependencies,
 * every error answered as `application/problem+json`, and every path parameter defined.
 */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, [PROBLEM_SCHEMA]: problemSchema },
    headers: { ...document.components?.headers, ...sharedHeaders },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = (operation.parameters ??= []) as ParameterObject[];
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g))
        if (!parameters.some((p) => p.in === 'path' && p.name === name))
          parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
      if (!parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === CORRELATION_HEADER))
        parameters.push({
          name: CORRELATION_HEADER,
          in: 'header',
          required: false,
          description:
            'Your id for this request (1 to 128 letters, digits or . _ : -), echoed and logged; a new UUID if absent or not so.',
          schema: { type: 'string', example: '7c4e1f0a-5b2d-4e8f-9a13-6d0b2c9e8f41' },
        });
      if (operation.requestBody)
        for (const [status, codes] of Object.entries(withBody)) addProblems(operation, Number(status), codes);
      else if (parameters.some((p) => p.in === 'query' || p.in === 'path'))
        addProblems(operation, 400, ['validation-failed']);
      for (const [status, { codes, retryAfter }] of Object.entries(everyRoute))
        addProblems(operation, Number(status), codes, retryAfter);
      for (const [status, response] of Object.entries(operation.responses) as [string, ResponseObject][]) {
        response.headers = { [CORRELATION_HEADER]: ref('CorrelationId'), ...response.headers };
        if (Number(status) >= 400 && !response.content?.[PROBLEM_MEDIA_TYPE])
          response.content = {
            [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } },
          };
      }
    }
  }
  return document;
}

/**
 * The service's OpenAPI document, built the same way for the served `/docs-json` and for the
 * committed `openapi/*.json` (so a test can tell when they differ). Nothing in it depends on the
 * configuration: the server is the one serving the document.
 */
export function buildOpenApiDocument(app: INestApplication, info: ApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'The service that serves this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  return completeDocument(SwaggerModule.createDocument(app, config));
}
