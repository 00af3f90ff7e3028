import { SpanKind, context, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '@opentelemetry/semantic-conventions';
import { endSpan, isTraced, tallyTracer, traceFieldsOf, type TraceFields } from '@tally/tracing';

export const ATTR_STREAM_ID = 'tally.stream.id';
export const ATTR_STREAM_TYPE = 'tally.stream.type';
export const ATTR_CORRELATION_ID = 'tally.correlation_id';

/** A traced command: its span, and the context its events carry to the relay. */
export interface CommandTrace {
  span: Span;
  context: Context;
}

/**
 * A span for one command (`DepositMoney`), from the moment it is queued for its stream's turn until it
 * is answered, as a child of the active span (the HTTP request's). Nothing when the caller is not
 * traced: with tracing off the pipeline allocates nothing for it.
 */
export const traceCommand = (
  stream: { streamId: string; streamType: string },
  command: unknown,
  correlationId: string,
): CommandTrace | undefined => {
  const parent = context.active();
  if (!isTraced(parent)) return undefined;
  const type = (command as { type?: unknown }).type;
  const span = tallyTracer().startSpan(
    typeof type === 'string' ? type : 'command',
    {
      attributes: {
        [ATTR_STREAM_ID]: stream.streamId,
        [ATTR_STREAM_TYPE]: stream.streamType,
        [ATTR_CORRELATION_ID]: correlationId,
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
};

/** Ends the command's span when the command is answered (a refusal marks it failed). */
export const traceAnswers = <T>(
  waiting: { resolve(value: T): void; reject(error: unknown): void },
  traced: CommandTrace,
): void => {
  const { resolve, reject } = waiting;
  waiting.resolve = (value) => {
    endSpan(traced.span);
    resolve(value);
  };
  waiting.reject = (error) => {
    endSpan(traced.span, error);
    reject(error);
  };
};

/** The trace context stored in the metadata of a command's events (none for an untraced command). */
const NO_FIELDS: TraceFields = Object.freeze({});

export const eventTraceFields = (traced: CommandTrace | undefined): TraceFields =>
  traced ? traceFieldsOf(traced.context) : NO_FIELDS;

/**
 * One append writes the events of a whole turn, so several commands' traces: its span is a child of
 * the first traced command's span and links the others. None when no command of the turn is traced.
 */
export const startAppendSpan = (
  streamId: string,
  expectedVersion: number,
  commands: { trace?: CommandTrace }[],
): Span | undefined => {
  let traced = false;
  for (const command of commands) traced ||= command.trace !== undefined;
  if (!traced) return undefined;
  const traces = commands.flatMap(({ trace: traced }) => (traced ? [traced] : []));
  const links: Link[] = traces.slice(1).map(({ span }) => ({ context: span.spanContext() }));
  return tallyTracer().startSpan(
    'append',
    {
      kind: SpanKind.CLIENT,
      links,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        [ATTR_STREAM_ID]: streamId,
        'tally.stream.expected_version': expectedVersion,
        'tally.commands': commands.length,
      },
    },
    traces[0].context,
  );
};
