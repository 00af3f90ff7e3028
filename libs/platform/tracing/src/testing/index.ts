import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from '../start-tracing';
import { tracingConfigFromEnv } from '../tracing-config';

export interface InMemoryTracing extends TracingHandle {
  exporter: InMemorySpanExporter;
  /** The finished spans of one trace. */
  spansOf(traceId: string): ReadableSpan[];
}

/**
 * The SDK registered for this process with every span kept in memory (sampling everything), so a test
 * can look at the spans its requests caused. Shut it down at the end: only one SDK may be registered.
 */
export async function inMemoryTracing(serviceName = 'tally-test'): Promise<InMemoryTracing> {
  const exporter = new InMemorySpanExporter();
  const config = {
    ...tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' }, serviceName),
    sampler: 'always_on' as const,
  };
  const handle = await startTracing(config, { exporter });
  return {
    exporter,
    shutdown: () => handle.shutdown(),
    spansOf: (traceId) =>
      exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId),
  };
}
