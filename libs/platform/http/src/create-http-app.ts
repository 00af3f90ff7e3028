import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { CORRELATION_HEADER, correlationIdOf } from './correlation';
import { instrumentHttp } from './http-metrics';
import { traceHttpRequests } from './http-tracing';
import { buildOpenApiDocument } from './openapi';
import { ProblemDetailsFilter } from './problem-details.filter';
import { problemType } from './problem';
import { serveProblemPages } from './problems';
import { installRateLimit, type RateLimitConfig } from './rate-limit';
import { createValidationPipe } from './validation';
import { withFrameworkAtDebug } from './framework-logger';

export interface HttpAppOptions {
  title: string;
  description: string;
  /** Request bodies larger than this are refused with 413 before they are parsed. */
  bodyLimitBytes?: number;
  /** Per-client request limit (see rateLimitFromEnv); absent or max 0: unlimited. */
  rateLimit?: RateLimitConfig;
  /** A span per request, continuing the caller's `traceparent` (on when the app started tracing). */
  tracing?: boolean;
}

/**
 * The one way both services build their HTTP app, so they share error format, validation,
 * correlation ids, metrics and OpenAPI docs (/docs, /docs-json).
 */
export async function createHttpApp(
  module: Type | DynamicModule,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024,
    genReqId: correlationIdOf,
    // Which proxies may tell us the client's address (X-Forwarded-For): the rate limiter keys on it.
    trustProxy: options.rateLimit?.trustProxy ?? false,
    // The framework's logger is pino via nestjs-pino; Fastify's own would log every request twice.
    logger: false,
    // A URL Fastify cannot even route (bad percent-encoding) is still answered as a problem.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      void reply
        .status(status)
        .header('content-type', 'application/problem+json')
        .send({
          type: problemType('bad-request'),
          title: 'Bad request',
          status,
          code: 'bad-request',
          detail: 'The request URL is not valid.',
          instance: request.url,
        });
    },
  });
  // JSON is the only body the APIs accept; anything else is a 415, not a body to guess at.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  // First, so that every later hook (rate limit, auth) already runs inside the request's span.
  if (options.tracing) traceHttpRequests(adapter.getInstance());
  instrumentHttp(adapter.getInstance());
  serveProblemPages(adapter.getInstance());
  adapter.getInstance().addHook('onSend', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
  });

  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true });
  app.useLogger(withFrameworkAtDebug(app.get(Logger)));
  if (options.rateLimit) await installRateLimit(app, options.rateLimit);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app, options);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
