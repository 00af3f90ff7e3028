import { once } from 'node:events';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

/** One finished span as exported: its name and its start and end (ms since the epoch, host clock). */
export interface SinkSpan {
  name: string;
  startMs: number;
  endMs: number;
}

type OtlpTime = string | number | { low: number; high: number };

interface OtlpJson {
  resourceSpans?: {
    scopeSpans?: {
      spans?: { traceId: string; name: string; startTimeUnixNano: OtlpTime; endTimeUnixNano: OtlpTime }[];
    }[];
  }[];
}

const millis = (time: OtlpTime): number =>
  typeof time === 'object'
    ? Number(((BigInt(time.high >>> 0) << 32n) + BigInt(time.low >>> 0)) / 1000n) / 1000
    : Number(BigInt(time) / 1000n) / 1000;

/**
 * An OTLP/HTTP JSON endpoint (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) that keeps the spans of the
 * traces the bench started itself (`traceparent()`), by trace id, and drops everything else. With
 * the services' sampler at `parentbased_always_off` only those traces are recorded at all, so the
 * background load runs untraced.
 */
export class SpanSink {
  private constructor(
    readonly url: string,
    private readonly server: ReturnType<typeof createServer>,
    private readonly traces: Map<string, SinkSpan[]>,
  ) {}

  static async start(): Promise<SpanSink> {
    const traces = new Map<string, SinkSpan[]>();
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          keep(traces, JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson);
        } catch {
          // Not JSON (a misconfigured exporter): nothing to keep; the scenario reports missing spans.
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return new SpanSink(`http://127.0.0.1:${port}`, server, traces);
  }

  /** The services' tracing settings that export the bench's traces, and only those, here. */
  get serviceEnv(): Record<string, string> {
    return {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: this.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_always_off',
    };
  }

  /** A new sampled trace: its id, and the `traceparent` header that makes the services record it. */
  newTrace(): { traceId: string; traceparent: string } {
    const traceId = randomBytes(16).toString('hex');
    this.traces.set(traceId, []);
    return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
  }

  spans(traceId: string): SinkSpan[] {
    return this.traces.get(traceId) ?? [];
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Keeps the spans of the traces in `traces` (the bench's own); everything else is dropped. */
function keep(traces: Map<string, SinkSpan[]>, body: OtlpJson): void {
  for (const resource of body.resourceSpans ?? [])
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        traces.get(span.traceId.toLowerCase())?.push({
          name: span.name,
          startMs: millis(span.startTimeUnixNano),
          endMs: millis(span.endTimeUnixNano),
        });
}
