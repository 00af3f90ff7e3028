import { httpLoad } from '../harness/http-load';
import type { Headline, ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';
import { depositLoad } from './commands';

const LIMIT_MB = 300;

/**
 * Peak RSS (VmHWM) of each service process over everything it served in this run (the commands,
 * freshness and reads scenarios). Run alone, it first drives a short mixed load of its own.
 */
export async function memoryScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const ranAlone = !BenchSystem.started;
  const system = await BenchSystem.get(settings);
  if (ranAlone) {
    const accounts = await system.ensureAccounts(settings.quick ? 2_000 : 10_000);
    const seconds = settings.quick ? 3 : 10;
    await Promise.all([
      httpLoad({
        ...depositLoad(system, accounts.slice(0, 1_000)),
        connections: 32,
        durationSeconds: seconds,
      }),
      httpLoad({
        url: system.query.url,
        headers: system.headers,
        connections: 32,
        durationSeconds: seconds,
        path: () => `/accounts/${accounts[Math.floor(Math.random() * accounts.length)]}`,
      }),
    ]);
  }
  const peaks = { ...system.peaks(), ...BenchSystem.otherPeaks };
  const headlines: Headline[] = Object.entries(system.peaks()).map(([service, mb]) => ({
    label: `${service} peak RSS`,
    value: mb ?? Number.NaN,
    unit: 'MB',
    target: LIMIT_MB,
    kind: 'max',
  }));
  return {
    scenario: 'memory',
    parameters: { source: ranAlone ? 'own short mixed load' : 'scenarios run before it in this run' },
    measurements: Object.entries(peaks).map(([subject, mb]) => ({
      subject,
      baseline: false,
      figures: { 'peak RSS MB': mb ?? Number.NaN },
    })),
    headlines,
    notes: [
      'VmHWM from /proc/<pid>/status: the peak resident set over the process lifetime',
      'the relay and rebuild scenarios run inside the bench process; its peak during the rebuild is listed for context',
    ],
  };
}
