import type { CommandRates } from './pipeline-overview';

/** Totals scraped from the command services' /metrics at one moment. */
interface Sample {
  at: number;
  commands: number;
  errors: number;
}

const REQUESTS = /^http_request_duration_seconds_count\{([^}]*)\}\s+([0-9.eE+]+)/;

/**
 * Commands answered so far, from one /metrics text: the request counter of every POST (every POST
 * of the command service is a command), and of those answered 5xx. Exported for its tests.
 */
export function countCommands(metrics: string): { commands: number; errors: number } {
  let commands = 0;
  let errors = 0;
  for (const line of metrics.split('\n')) {
    const match = REQUESTS.exec(line);
    if (!match || !/(^|,)method="POST"/.test(match[1])) continue;
    const count = Number(match[2]);
    commands += count;
    if (/(^|,)status="5\d\d"/.test(match[1])) errors += count;
  }
  return { commands, errors };
}

/**
 * Commands per second and 5xx answers per second across the command-service instances, as the rate
 * between two readings of their /metrics (counters since each process started). The first reading
 * has nothing to compare with and answers null, as does one where an instance did not answer: a rate
 * over some of the instances would understate the traffic. A restarted instance's counter starts
 * again from 0; its new count is then taken as the increase.
 */
export class CommandRateSampler {
  private previous = new Map<string, Sample>();

  constructor(
    private readonly metricsUrls: string[],
    private readonly fetchText: (url: string) => Promise<string> = fetchMetrics,
  ) {}

  async read(): Promise<CommandRates | null> {
    const samples = await Promise.all(
      this.metricsUrls.map(
        async (url) => [url, { at: Date.now(), ...countCommands(await this.fetchText(url)) }] as const,
      ),
    );
    let commands = 0;
    let errors = 0;
    let seconds = 0;
    let comparable = this.metricsUrls.length > 0;
    for (const [url, sample] of samples) {
      const before = this.previous.get(url);
      this.previous.set(url, sample);
      if (!before || sample.at <= before.at) {
        comparable = false;
        continue;
      }
      const restarted = sample.commands < before.commands;
      commands += restarted ? sample.commands : sample.commands - before.commands;
      errors += restarted ? sample.errors : sample.errors - before.errors;
      seconds = Math.max(seconds, (sample.at - before.at) / 1000);
    }
    if (!comparable || seconds === 0) return null;
    return { perSecond: commands / seconds, errorsPerSecond: errors / seconds };
  }
}

async function fetchMetrics(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}
