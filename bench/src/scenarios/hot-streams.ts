import { formatCpu, measureCpu } from '../harness/cpu-usage';
import { httpLoad, type HttpLoadResult } from '../harness/http-load';
import type { Measurement, ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';
import { depositLoad } from './commands';

const CONCURRENCY = 64;
const SPREAD_ACCOUNTS = 1_000;
const ZIPF_ACCOUNTS = 10_000;
const ZIPF_S = 1.1;
/** Large enough that no withdrawal of the mix is ever refused: every answer should be 2xx. */
const HOT_BALANCE = 1_000_000_000;

/** Deposits and withdrawals of 1, alternating, all on one account: a hot stream. */
const hotLoad = (system: BenchSystem, url: string, accountId: string) => {
  let next = 0;
  return {
    url,
    method: 'POST' as const,
    headers: { ...system.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1 }),
    path: () => `/accounts/${accountId}/${next++ % 2 ? 'withdrawals' : 'deposits'}`,
  };
};

/** Zipf(s) over `n` ranks by inverse CDF: rank 1 is the hottest account. */
export function zipfSampler(n: number, s: number, random = Math.random): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s;
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = random();
    let [lo, hi] = [0, n - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const conflicts = (r: HttpLoadResult) => r.statuses['409'] ?? 0;
const serverErrors = (r: HttpLoadResult) =>
  Object.entries(r.statuses).reduce((n, [status, count]) => (status.startsWith('5') ? n + count : n), 0);

/** The spread `commands` load (1,000 accounts, c=64), measured in this run as the yardstick. */
async function spreadBaseline(system: BenchSystem, settings: BenchSettings): Promise<HttpLoadResult> {
  const accounts = await system.ensureAccounts(SPREAD_ACCOUNTS);
  return httpLoad({
    ...depositLoad(system, accounts),
    connections: CONCURRENCY,
    durationSeconds: settings.quick ? 3 : 10,
  });
}

const measured = (subject: string, r: HttpLoadResult): Measurement => ({
  subject,
  baseline: false,
  ...r,
  figures: { answered409: conflicts(r), answered5xx: serverErrors(r), non2xx: r.errors },
});

function report(
  scenario: string,
  parameters: ScenarioResult['parameters'],
  main: HttpLoadResult,
  spread: HttpLoadResult,
  extra: { headlines?: ScenarioResult['headlines']; notes?: string[]; measurements?: Measurement[] } = {},
): ScenarioResult {
  return {
    scenario,
    parameters,
    measurements: [
      measured(`tally ${scenario} (HTTP)`, main),
      ...(extra.measurements ?? []),
      { subject: 'spread deposits over 1,000 accounts, c=64', baseline: true, ...spread },
    ],
    headlines: [
      {
        label: `${scenario} 409 + 5xx`,
        value: conflicts(main) + serverErrors(main),
        unit: '/s',
        target: 0,
        kind: 'max',
      },
      ...(extra.headlines ?? []),
    ],
    notes: [
      `statuses ${JSON.stringify(main.statuses)}; spread baseline ${Math.round(spread.perSecond)}/s`,
      ...(extra.notes ?? []),
    ],
  };
}

/** One account, 64 clients, deposits and withdrawals: every command queues for the same stream. */
export async function hotAccountScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  const system = await BenchSystem.get(settings);
  const spread = await spreadBaseline(system, settings);
  const hot = await system.openFundedAccount(HOT_BALANCE);
  await httpLoad({
    ...hotLoad(system, system.command.url, hot),
    connections: CONCURRENCY,
    durationSeconds: 2,
  });
  const { result: main, percent: cpu } = await measureCpu(
    {
      'command-service': system.command.child.pid,
      'query-service': system.query.child.pid,
      bench: process.pid,
    },
    () =>
      httpLoad({ ...hotLoad(system, system.command.url, hot), connections: CONCURRENCY, durationSeconds }),
  );
  system.hotAccountRate = main.perSecond;
  return report(
    'hot-account',
    {
      accounts: 1,
      concurrency: CONCURRENCY,
      seconds: durationSeconds,
      commands: 'deposit/withdrawal of 1, alternating',
    },
    main,
    spread,
    {
      headlines: [
        {
          label: 'hot-account / spread commands',
          value: main.perSecond / spread.perSecond,
          unit: 'x',
          target: 1,
          kind: 'min',
        },
        { label: 'hot-account p99', value: main.p99Ms, unit: 'ms', target: 50, kind: 'max' },
      ],
      notes: [`CPU during the main run (200 % = both cores): ${formatCpu(cpu)}`],
    },
  );
}

/** The same hot account through two command-service instances on one database, 32 clients each. */
export async function hotAccountTwoInstancesScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  const system = await BenchSystem.get(settings);
  const spread = await spreadBaseline(system, settings);
  const hot = await system.openFundedAccount(HOT_BALANCE);
  const second = await system.startAnotherCommandService();
  try {
    const both = (seconds: number) =>
      Promise.all(
        [system.command.url, second.url].map((url) =>
          httpLoad({ ...hotLoad(system, url, hot), connections: CONCURRENCY / 2, durationSeconds: seconds }),
        ),
      );
    await both(2);
    const { result: halves, percent: cpu } = await measureCpu(
      {
        'command-service 1': system.command.child.pid,
        'command-service 2': second.child.pid,
        'query-service': system.query.child.pid,
        bench: process.pid,
      },
      () => both(durationSeconds),
    );
    const main = combine(halves);
    const single = system.hotAccountRate;
    return report(
      'hot-account-2',
      { accounts: 1, instances: 2, concurrency: CONCURRENCY, seconds: durationSeconds },
      main,
      spread,
      {
        headlines: single
          ? [
              {
                label: 'hot-account-2 / hot-account',
                value: main.perSecond / single,
                unit: 'x',
                target: 0.5,
                kind: 'min',
              },
            ]
          : [],
        measurements: halves.map((half, i) => measured(`instance ${i + 1}`, half)),
        notes: [
          `CPU during the main run (200 % = both cores): ${formatCpu(cpu)}`,
          'p50/p99 of the two instances combined are the larger of the two (a conservative merge)',
          ...(single ? [] : ['run hot-account first (same run) for the ratio to one instance']),
        ],
      },
    );
  } finally {
    await second.stop();
  }
}

/** 10,000 accounts chosen by Zipf (s = 1.1): a few hot streams and a long tail, 64 clients. */
export async function zipfScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  const system = await BenchSystem.get(settings);
  const accounts = await system.ensureAccounts(ZIPF_ACCOUNTS);
  const spread = await spreadBaseline(system, settings);
  const rank = zipfSampler(accounts.length, ZIPF_S);
  const load = () => ({
    ...depositLoad(system, accounts),
    path: () => `/accounts/${accounts[rank()]}/deposits`,
  });
  await httpLoad({ ...load(), connections: CONCURRENCY, durationSeconds: 2 });
  const { result: main, percent: cpu } = await measureCpu(
    {
      'command-service': system.command.child.pid,
      'query-service': system.query.child.pid,
      bench: process.pid,
    },
    () => httpLoad({ ...load(), connections: CONCURRENCY, durationSeconds }),
  );
  return report(
    'zipf',
    { accounts: accounts.length, s: ZIPF_S, concurrency: CONCURRENCY, seconds: durationSeconds },
    main,
    spread,
    {
      headlines: [
        {
          label: 'zipf / spread commands',
          value: main.perSecond / spread.perSecond,
          unit: 'x',
          target: 1,
          kind: 'min',
        },
      ],
      notes: [`CPU during the main run (200 % = both cores): ${formatCpu(cpu)}`],
    },
  );
}

/** Two concurrent runs as one: counts add up; latencies are the worse of the two. */
function combine(runs: HttpLoadResult[]): HttpLoadResult {
  const statuses: Record<string, number> = {};
  for (const run of runs)
    for (const [k, v] of Object.entries(run.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const seconds = Math.max(...runs.map((r) => r.seconds));
  const operations = runs.reduce((n, r) => n + r.operations, 0);
  return {
    operations,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    seconds,
    perSecond: operations / seconds,
    p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    maxMs: Math.max(...runs.map((r) => r.maxMs)),
    statuses,
  };
}
