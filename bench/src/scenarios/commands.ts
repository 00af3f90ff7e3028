import { formatCpu, measureCpu } from '../harness/cpu-usage';
import { httpLoad } from '../harness/http-load';
import { rawInsertRate } from '../harness/raw-insert';
import type { ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';

const ACCOUNTS = 1_000;
const CONCURRENCY = 64;

/** Autocannon options for deposits spread round-robin over the accounts. */
export const depositLoad = (system: BenchSystem, accounts: string[]) => {
  let next = 0;
  return {
    url: system.command.url,
    method: 'POST' as const,
    headers: { ...system.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1 }),
    path: () => `/accounts/${accounts[next++ % accounts.length]}/deposits`,
  };
};

/**
 * HTTP deposits through the whole write path (validation, load + fold, decide, append, response)
 * against the command service running as its own process, with the relay publishing meanwhile.
 * Baseline: raw single-row INSERTs at the same concurrency, right before, on the same server.
 */
export async function commandsScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 30;
  const system = await BenchSystem.get(settings);
  const accounts = await system.ensureAccounts(ACCOUNTS);
  const raw = await rawInsertRate(CONCURRENCY, settings.quick ? 2_000 : 5_000);
  await httpLoad({ ...depositLoad(system, accounts), connections: CONCURRENCY, durationSeconds: 3 }); // warm-up
  const { result: main, percent: cpu } = await measureCpu(
    {
      'command-service': system.command.child.pid,
      'query-service': system.query.child.pid,
      bench: process.pid,
    },
    () => httpLoad({ ...depositLoad(system, accounts), connections: CONCURRENCY, durationSeconds }),
  );
  system.peakCommandRate = main.perSecond;
  const curve = [];
  for (const connections of [4, 16, CONCURRENCY, 256]) {
    const r =
      connections === CONCURRENCY
        ? main
        : await httpLoad({
            ...depositLoad(system, accounts),
            connections,
            durationSeconds: settings.quick ? 2 : 4,
          });
    curve.push({ subject: 'deposit (HTTP)', load: connections, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
  }
  return {
    scenario: 'commands',
    parameters: {
      accounts: ACCOUNTS,
      concurrency: CONCURRENCY,
      seconds: durationSeconds,
      command: 'POST /accounts/:id/deposits',
      curveConcurrency: '4,16,64,256',
    },
    measurements: [
      {
        subject: 'tally deposits (HTTP)',
        baseline: false,
        ...main,
        figures: { non2xx: main.errors },
      },
      { subject: 'raw pg INSERT, c=64', baseline: true, ...raw },
    ],
    headlines: [
      { label: 'commands/s', value: main.perSecond, unit: '/s', target: 5_000, kind: 'min' },
      { label: 'commands p99', value: main.p99Ms, unit: 'ms', target: 25, kind: 'max' },
      {
        label: 'commands / raw INSERT',
        value: main.perSecond / raw.perSecond,
        unit: 'x',
        target: 0.6,
        kind: 'min',
      },
    ],
    notes: [
      `CPU during the main run (200 % = both cores): ${formatCpu(cpu)}`,
      `autocannon on loopback in the bench process; statuses ${JSON.stringify(main.statuses)}`,
      `services log at LOG_LEVEL=${process.env.LOG_LEVEL ?? 'info'}, LOG_REQUESTS=${process.env.LOG_REQUESTS ?? 'true'}`,
    ],
    curve,
  };
}
