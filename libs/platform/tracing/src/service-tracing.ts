import { startTracing, type TracingHandle } from './start-tracing';
import { tracingEnabled, type TracingConfig } from './tracing-config';

/** What a service's `main.ts` needs: whether requests get spans, and a flush to run when it closes. */
export interface ServiceTracing {
  enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK if the configuration turns tracing on; otherwise loads nothing and returns a handle
 * that does nothing. Call first in `main`, before the app (and its Kafka clients) exist.
 */
export async function startServiceTracing(config: TracingConfig): Promise<ServiceTracing> {
  if (!tracingEnabled(config)) return { enabled: false, shutdown: async () => undefined };
  const handle: TracingHandle = await startTracing(config);
  return { enabled: true, shutdown: () => handle.shutdown() };
}
