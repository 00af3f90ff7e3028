import path from 'node:path';
import { printResults, writeResults } from './harness/report';
import type { ScenarioResult } from './harness/result';
import { BenchSystem } from './harness/system';
import { appendScenario } from './scenarios/append';
import { commandsScenario } from './scenarios/commands';
import { freshnessFixedScenario, freshnessLongTxScenario, freshnessScenario } from './scenarios/freshness';
import { growthScenario } from './scenarios/growth';
import { hotAccountScenario, hotAccountTwoInstancesScenario, zipfScenario } from './scenarios/hot-streams';
import { memoryScenario } from './scenarios/memory';
import { readsScenario } from './scenarios/reads';
import { rebuildScenario } from './scenarios/rebuild';
import { relayScenario } from './scenarios/relay';
import { tracingScenario } from './scenarios/tracing';
import { settingsFromEnv, type BenchSettings } from './settings';

/** In run order: memory comes last, it reports the peaks of the service processes over the others. */
const scenarios: Record<string, (settings: BenchSettings) => Promise<ScenarioResult>> = {
  append: appendScenario,
  commands: commandsScenario,
  'hot-account': hotAccountScenario,
  'hot-account-2': hotAccountTwoInstancesScenario,
  zipf: zipfScenario,
  freshness: freshnessScenario,
  'freshness-fixed': freshnessFixedScenario,
  'freshness-long-tx': freshnessLongTxScenario,
  relay: relayScenario,
  rebuild: rebuildScenario,
  reads: readsScenario,
  growth: growthScenario,
  tracing: tracingScenario,
  memory: memoryScenario,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in scenarios));
  if (unknown.length > 0)
    throw new Error(`Unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  const settings = settingsFromEnv();
  const results: ScenarioResult[] = [];
  const started = Date.now();
  try {
    for (const name of Object.keys(scenarios).filter((n) => wanted.length === 0 || wanted.includes(n))) {
      const t0 = Date.now();
      console.log(`\n▶ ${name}`);
      results.push(await scenarios[name](settings));
      console.log(`  ${name} took ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  } finally {
    await BenchSystem.stopShared();
  }
  printResults(results);
  console.log(`\nall scenarios took ${Math.round((Date.now() - started) / 1000)} s`);
  await writeResults(results, path.resolve(__dirname, '../../../bench/results'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
