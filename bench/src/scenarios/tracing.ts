import { once } from 'node:events';
import { createServer } from 'node:http';
import { formatCpu, measureCpu } from '../harness/cpu-usage';
import { httpLoad, type HttpLoadResult } from '../harness/http-load';
import type { ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';
import { depositLoad } from './commands';

const ACCOUNTS = 1_000;
const CONCURRENCY = 64;

/** An OTLP/HTTP endpoint that takes every export and drops it, counting what arrived. */
async function otlpSink() {
  let requests = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      requests++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => ({ requests, bytes }),
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

type Variant = 'off' | 'exporting';

/**
 * What tracing costs: the spread `commands` load (deposits over 1,000 accounts, c=64) against both
 * services with tracing off (the default: no SDK loaded) and with every request traced and exported
 * over OTLP/HTTP protobuf to a local sink, alternately off, exporting, off, exporting, each on freshly
 * started services. Off against off shows the run-to-run noise the off/exporting ratio must be read
 * against; the old build (before tracing) is compared by running `commands` on both builds.
 */
export async function tracingScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const seconds = settings.quick ? 4 : 15;
  const sink = await otlpSink();
  const system = await BenchSystem.isolated(settings);
  const env: Record<Variant, Record<string, string>> = {
    off: {},
    exporting: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
  };
  const runs: { variant: Variant; result: HttpLoadResult; cpu: Record<string, number> }[] = [];
  try {
    const accounts = await system.ensureAccounts(ACCOUNTS);
    for (const variant of ['off', 'exporting', 'off', 'exporting'] as const) {
      await system.restartServices(env[variant]);
      await httpLoad({ ...depositLoad(system, accounts), connections: CONCURRENCY, durationSeconds: 3 });
      const { result, percent } = await measureCpu(
        { 'command-service': system.command.child.pid, 'query-service': system.query.child.pid },
        () =>
          httpLoad({ ...depositLoad(system, accounts), connections: CONCURRENCY, durationSeconds: seconds }),
      );
      runs.push({ variant, result, cpu: percent });
      console.log(
        `  tracing ${variant}: ${Math.round(result.perSecond)}/s, p99 ${result.p99Ms} ms; ${formatCpu(percent)}`,
      );
    }
  } finally {
    await system.stop();
    await sink.stop();
  }
  const mean = (variant: Variant, pick: (run: (typeof runs)[number]) => number) => {
    const picked = runs.filter((run) => run.variant === variant).map(pick);
    return picked.reduce((sum, value) => sum + value, 0) / picked.length;
  };
  // CPU of the command service per deposit, in µs: the cost that does not depend on the machine's load.
  const cpuPerDeposit = (run: (typeof runs)[number]) =>
    ((run.cpu['command-service'] ?? 0) / 100 / run.result.perSecond) * 1e6;
  const [off1, on1, off2, on2] = runs;
  const rateOff = mean('off', (run) => run.result.perSecond);
  const rateOn = mean('exporting', (run) => run.result.perSecond);
  return {
    scenario: 'tracing',
    parameters: {
      accounts: ACCOUNTS,
      concurrency: CONCURRENCY,
      seconds,
      order: 'off, exporting, off, exporting',
    },
    measurements: runs.map((run, index) => ({
      subject: `deposits, tracing ${run.variant} (run ${index + 1})`,
      baseline: run.variant === 'off',
      ...run.result,
      figures: {
        commandServiceCpuPercent: run.cpu['command-service'] ?? 0,
        queryServiceCpuPercent: run.cpu['query-service'] ?? 0,
        commandServiceCpuMicrosPerDeposit: Math.round(cpuPerDeposit(run)),
      },
    })),
    headlines: [
      { label: 'exporting / off (commands/s)', value: rateOn / rateOff, unit: 'x', target: 0.8, kind: 'min' },
      {
        label: 'off run 2 / off run 1 (noise)',
        value: off2.result.perSecond / off1.result.perSecond,
        unit: 'x',
        target: 0.9,
        kind: 'min',
      },
    ],
    notes: [
      `commands/s off ${Math.round(off1.result.perSecond)}, ${Math.round(off2.result.perSecond)}; exporting ${Math.round(on1.result.perSecond)}, ${Math.round(on2.result.perSecond)}`,
      `command-service CPU per deposit (µs) off ${Math.round(mean('off', cpuPerDeposit))}, exporting ${Math.round(mean('exporting', cpuPerDeposit))}`,
      `OTLP sink received ${sink.received().requests} exports, ${Math.round(sink.received().bytes / 1024)} KiB`,
      `CPU (200 % = both cores): ${runs.map((run) => `${run.variant}: ${formatCpu(run.cpu)}`).join('; ')}`,
    ],
  };
}
