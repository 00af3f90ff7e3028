import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { tallyTracer } from '@tally/tracing';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The request's correlation id on its span: how a trace and the logs (and events' metadata) meet. */
export const ATTR_CORRELATION_ID = 'tally.correlation_id';

interface Traced {
  span: Span;
  context: Context;
}

/**
 * A SERVER span per request (`POST /accounts/:id/deposits`), continuing the caller's W3C
 * `traceparent`/`tracestate` when it sent one, and made the active context for everything the request
 * runs: guards, pipes, the handler, and so the command pipeline and the reads below it. Installed only
 * when tracing is on (createHttpApp's `tracing` option): otherwise a request pays nothing.
 */
export function traceHttpRequests(fastify: FastifyInstance): void {
  const tracer = tallyTracer();
  const traced = new WeakMap<FastifyRequest, Traced>();
  const end = (request: FastifyRequest, status: number | undefined, errorType?: string) => {
    const entry = traced.get(request);
    if (!entry) return;
    traced.delete(request);
    if (status !== undefined) entry.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (errorType !== undefined) {
      entry.span.setAttribute(ATTR_ERROR_TYPE, errorType);
      entry.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    entry.span.end();
  };

  fastify.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split('?', 1)[0],
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_CORRELATION_ID]: request.id,
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    traced.set(request, { span, context: active });
    context.with(active, done);
  });
  // The body is parsed in the socket's own async context: enter the span's again for the handler.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const entry = traced.get(request);
    if (entry) context.with(entry.context, done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode, reply.statusCode >= 500 ? String(reply.statusCode) : undefined);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request, undefined, 'aborted');
    done();
  });
}
