import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { SamplerName, TracingConfig } from './tracing-config';

export interface TracingHandle {
  /** Exports what is still buffered, then unregisters the SDK (the API is a no-op again). */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** Replaces the configured exporter, every span exported at once (tests: an in-memory exporter). */
  exporter?: SpanExporter;
}

// Loaded the way the built services load it (an ES module, by import()), so typed the same way too.
const loadSdk = () => import('@opentelemetry/sdk-trace');
type SdkTrace = Awaited<ReturnType<typeof loadSdk>>;
type Sampler = ConstructorParameters<SdkTrace['ParentBasedSampler']>[0]['root'];

const samplerOf = (sdk: SdkTrace, name: SamplerName, ratio: number): Sampler => {
  const root = (kind: string): Sampler =>
    kind === 'always_on'
      ? new sdk.AlwaysOnSampler()
      : kind === 'always_off'
        ? new sdk.AlwaysOffSampler()
        : new sdk.TraceIdRatioBasedSampler(ratio);
  return name.startsWith('parentbased_')
    ? new sdk.ParentBasedSampler({ root: root(name.slice('parentbased_'.length)) })
    : root(name);
};

const exporterOf = async (sdk: SdkTrace, config: TracingConfig): Promise<SpanExporter> => {
  if (config.exporter === 'console') return new sdk.ConsoleSpanExporter();
  const { url, headers, protocol } = config.otlp;
  const { OTLPTraceExporter } =
    protocol === 'http/json'
      ? await import('@opentelemetry/exporter-trace-otlp-http')
      : await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url, headers });
};

/**
 * Registers the OpenTelemetry SDK globally: a tracer provider exporting as configured, the
 * AsyncLocalStorage context manager (a span stays current across awaits) and the W3C trace-context
 * propagator. The SDK packages are imported here, on demand: with tracing off (the apps then never
 * call this) none of them is even loaded. Call before the app is built, so every span has a provider.
 */
export async function startTracing(
  config: TracingConfig,
  options: StartTracingOptions = {},
): Promise<TracingHandle> {
  const [sdk, resources, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, semconv] =
    await Promise.all([
      loadSdk(),
      import('@opentelemetry/resources'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const exporter = options.exporter ?? (await exporterOf(sdk, config));
  // Batched for OTLP (the request path only queues a span); one by one to the console and in tests.
  const processor =
    options.exporter || config.exporter === 'console'
      ? new sdk.SimpleSpanProcessor({ exporter })
      : new sdk.BatchSpanProcessor({ exporter });
  const provider = new sdk.TracerProvider({
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        ...config.resourceAttributes,
        [semconv.ATTR_SERVICE_NAME]: config.serviceName,
      }),
    ),
    sampler: samplerOf(sdk, config.sampler, config.samplerRatio),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
