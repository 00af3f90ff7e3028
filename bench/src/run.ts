import path from 'node:path';
import { printResults, writeResults } from './harness/report';
import type { ScenarioResult } from './harness/result';
import { appendScenario } from './scenarios/append';
import { relayScenario } from './scenarios/relay';
import { settingsFromEnv, type BenchSettings } from './settings';

const scenarios: Record<string, (settings: BenchSettings) => Promise<ScenarioResult>> = {
  append: appendScenario,
  relay: relayScenario,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in scenarios));
  if (unknown.length > 0)
    throw new Error(`Unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  const settings = settingsFromEnv();
  const results: ScenarioResult[] = [];
  for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) {
    console.log(`\n▶ ${name}`);
    results.push(await scenarios[name](settings));
  }
  printResults(results);
  await writeResults(results, path.resolve(__dirname, '../../../bench/results'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
