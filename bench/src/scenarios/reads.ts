import { closedLoop } from '../harness/closed-loop';
import { formatCpu, measureCpu } from '../harness/cpu-usage';
import { httpLoad } from '../harness/http-load';
import type { ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';

const ACCOUNTS = 10_000;
const CONCURRENCY = 64;

/**
 * GET /accounts/:id over 10,000 accounts (random ids) on the query service running as its own
 * process, against a raw pg primary-key SELECT loop of the same row at the same concurrency, from a
 * pool of that many connections, right before.
 */
export async function readsScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 15;
  const system = await BenchSystem.get(settings);
  const accounts = await system.ensureAccounts(settings.quick ? 3_000 : ACCOUNTS);
  const pick = () => accounts[Math.floor(Math.random() * accounts.length)];
  const select = () => system.readPool.query('SELECT * FROM accounts WHERE account_id = $1', [pick()]);
  await closedLoop(select, { concurrency: CONCURRENCY, durationMs: 1_000 });
  const { result: raw, percent: rawCpu } = await measureCpu(
    {
      'command-service': system.command.child.pid,
      'query-service': system.query.child.pid,
      bench: process.pid,
    },
    () => closedLoop(select, { concurrency: CONCURRENCY, durationMs: settings.quick ? 3_000 : 8_000 }),
  );
  const load = (connections: number, seconds: number) =>
    httpLoad({
      url: system.query.url,
      headers: system.headers,
      connections,
      durationSeconds: seconds,
      path: () => `/accounts/${pick()}`,
    });
  await load(CONCURRENCY, 2); // warm-up
  const roles = {
    'command-service': system.command.child.pid,
    'query-service': system.query.child.pid,
    bench: process.pid,
  };
  const { result: main, percent: cpu } = await measureCpu(roles, () => load(CONCURRENCY, durationSeconds));
  const curve = [];
  for (const connections of [4, 16, CONCURRENCY, 256]) {
    const r = connections === CONCURRENCY ? main : await load(connections, settings.quick ? 2 : 4);
    curve.push({ subject: 'GET /accounts/:id', load: connections, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
  }
  return {
    scenario: 'reads',
    parameters: {
      accounts: accounts.length,
      concurrency: CONCURRENCY,
      seconds: durationSeconds,
      curveConcurrency: '4,16,64,256',
    },
    measurements: [
      { subject: 'tally GET /accounts/:id', baseline: false, ...main, figures: { non2xx: main.errors } },
      { subject: 'raw pg PK SELECT, c=64', baseline: true, ...raw },
    ],
    headlines: [
      { label: 'reads/s', value: main.perSecond, unit: '/s', target: 10_000, kind: 'min' },
      { label: 'reads p99', value: main.p99Ms, unit: 'ms', target: 20, kind: 'max' },
      {
        label: 'reads / raw SELECT',
        value: main.perSecond / raw.perSecond,
        unit: 'x',
        target: 0.7,
        kind: 'min',
      },
    ],
    notes: [
      `CPU during the main run (200 % = both cores): ${formatCpu(cpu)}`,
      `CPU during the raw SELECT loop: ${formatCpu(rawCpu)}`,
      `autocannon on loopback in the bench process; statuses ${JSON.stringify(main.statuses)}`,
    ],
    curve,
  };
}
