import {
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/**
 * The tracer every Tally library uses. Libraries only depend on @opentelemetry/api: without an SDK
 * registered (tracing off, the default) it hands out non-recording no-op spans.
 */
export const tallyTracer = (): Tracer => trace.getTracer('tally');

/**
 * Whether `ctx` (by default the active context) belongs to a sampled trace. Libraries start their
 * spans only then: with tracing off no request ever has a span, so the hot paths skip even the
 * no-op spans, and work that no traced request caused (the relay's sweep, a rebuild) stays untraced.
 */
export const isTraced = (ctx: Context = context.active()): boolean => {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
};

/** Ends `span`, marking it failed (with the exception recorded) when `error` is given. */
export const endSpan = (span: Span, error?: unknown): void => {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      ...(error instanceof Error ? { message: error.message } : {}),
    });
  }
  span.end();
};
