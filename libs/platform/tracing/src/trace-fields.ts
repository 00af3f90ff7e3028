import { ROOT_CONTEXT, context, propagation, type Context, type TextMapGetter } from '@opentelemetry/api';

/**
 * The W3C trace context (`traceparent`, `tracestate`) in the form stored with an event. An event is
 * published later, by whichever instance leads the relay: its trace context is captured when it is
 * appended and kept in its metadata, so that the relay's "send" span continues the request's trace.
 */
export interface TraceFields {
  traceparent?: string;
  tracestate?: string;
}

/** Stored fields as read back, where a database gives NULL for "none". */
export type StoredTraceFields = { [K in keyof TraceFields]?: string | null };

const fieldsGetter: TextMapGetter<StoredTraceFields> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) =>
    key === 'traceparent' || key === 'tracestate' ? (carrier[key] ?? undefined) : undefined,
};

/** The trace context of `ctx` as fields to store with an event (none when `ctx` is not traced). */
export const traceFieldsOf = (ctx: Context = context.active()): TraceFields => {
  const fields: Record<string, string> = {};
  propagation.inject(ctx, fields);
  const { traceparent, tracestate } = fields;
  return traceparent === undefined ? {} : { traceparent, ...(tracestate ? { tracestate } : {}) };
};

/** The (remote) context stored fields describe; the root context when there are none (or NULLs). */
export const contextOfFields = (fields: StoredTraceFields): Context =>
  fields.traceparent ? propagation.extract(ROOT_CONTEXT, fields, fieldsGetter) : ROOT_CONTEXT;
