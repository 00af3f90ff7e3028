import { chaosProfile } from './chaos/chaos-profile';
import { runChaos, writeResults, type ChaosResults } from './chaos/chaos-run';

const profile = chaosProfile();
jest.setTimeout(profile.maxWorkloadMs + 6 * 60_000);

/**
 * Fault injection (issue 6). `npm test` runs the short profile; `npm run chaos` the full one
 * (CHAOS_PROFILE=full): see scripts/chaos.js and the README's "Fault injection" section.
 */
describe(`chaos (${profile.name} profile)`, () => {
  let results: ChaosResults;

  beforeAll(async () => {
    results = await runChaos(profile, (line) => process.stdout.write(`[chaos] ${line}\n`));
    process.stdout.write(`${writeResults(results).text}\n`);
  });

  it('loses nothing, duplicates nothing and keeps every read model and invariant consistent', () => {
    expect(results.drain.drained).toBe(true);
    expect(results.mustBeZero).toEqual(
      Object.fromEntries(Object.keys(results.mustBeZero).map((k) => [k, 0])),
    );
  });

  it('ran the workload and the faults it promised', () => {
    expect(results.commands.attempted).toBeGreaterThanOrEqual(profile.minCommands);
    expect(results.commands.acknowledged).toBeGreaterThan(0);
    for (const [kind, { count }] of Object.entries(results.faults.byKind)) {
      const target = profile.perKind?.[kind as keyof typeof profile.perKind] ?? profile.faultsPerKind;
      expect({ kind, count: Math.min(count, target) }).toEqual({ kind, count: target });
    }
  });
});
