/** Every response the chaos run saw, to check that services degrade clearly (503, never 500, never a hang). */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface HttpOutcome {
  status: number; // 0 = no HTTP answer (connection refused/reset, or our timeout)
  body: any;
  headers?: Headers;
  ms: number;
  timedOut: boolean;
  error?: string;
}

export class HttpStats {
  requests = 0;
  byStatus: Record<string, number> = {};
  networkErrors = 0;
  /** Requests the client gave up on after REQUEST_TIMEOUT_MS: a hang. */
  timeouts = 0;
  serverErrors500 = 0;
  /** 5xx other than 503 (502, 504, ...): no clear degradation either. */
  otherServerErrors = 0;
  maxFailedLatencyMs = 0;
  max503LatencyMs = 0;
  maxLatencyMs = 0;
  samples500: string[] = [];

  record(label: string, outcome: HttpOutcome): void {
    this.requests++;
    this.maxLatencyMs = Math.max(this.maxLatencyMs, outcome.ms);
    if (outcome.status === 0) {
      if (outcome.timedOut) this.timeouts++;
      else this.networkErrors++;
      this.maxFailedLatencyMs = Math.max(this.maxFailedLatencyMs, outcome.ms);
      return;
    }
    this.byStatus[outcome.status] = (this.byStatus[outcome.status] ?? 0) + 1;
    if (outcome.status >= 500) this.maxFailedLatencyMs = Math.max(this.maxFailedLatencyMs, outcome.ms);
    if (outcome.status === 503) this.max503LatencyMs = Math.max(this.max503LatencyMs, outcome.ms);
    if (outcome.status === 500) {
      this.serverErrors500++;
      if (this.samples500.length < 10)
        this.samples500.push(`${label}: ${JSON.stringify(outcome.body).slice(0, 300)}`);
    } else if (outcome.status > 503 || outcome.status === 501 || outcome.status === 502) {
      this.otherServerErrors++;
    }
  }

  summary() {
    return {
      requests: this.requests,
      byStatus: this.byStatus,
      networkErrors: this.networkErrors,
      timeouts: this.timeouts,
      serverErrors500: this.serverErrors500,
      otherServerErrors: this.otherServerErrors,
      maxLatencyMs: Math.round(this.maxLatencyMs),
      maxFailedLatencyMs: Math.round(this.maxFailedLatencyMs),
      max503LatencyMs: Math.round(this.max503LatencyMs),
      samples500: this.samples500,
    };
  }
}

export async function httpRequest(
  method: 'GET' | 'POST',
  url: string,
  options: { token: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
): Promise<HttpOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return {
      status: response.status,
      body,
      headers: response.headers,
      ms: performance.now() - started,
      timedOut: false,
    };
  } catch (error) {
    const name = (error as Error).name;
    return {
      status: 0,
      body: undefined,
      ms: performance.now() - started,
      timedOut: name === 'TimeoutError' || name === 'AbortError',
      error: `${name}: ${(error as Error).message}`,
    };
  }
}
