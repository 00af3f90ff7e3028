#!/usr/bin/env node
// `npm run bench [-- scenario...]`: builds, starts the local Kafka broker without the test-only JIT
// shortcut (unless KAFKA_BROKERS is given), runs the benchmark scenarios and stops the broker.
// Tally runs on Node 24: on an older Node, run this script again under Node 24 (scripts/node-runtime.js).
require('./lib/help').answerHelp(`
usage: npm run bench [-- <scenario>...]

Builds, starts the local Kafka broker (unless KAFKA_BROKERS is set), runs the named benchmark scenarios
(all, in order, when none is named) and writes bench/results/latest.{json,md}. Never run two at once.

Scenarios: ${[
  ...require('node:fs')
    .readFileSync(require('node:path').join(__dirname, '..', 'bench', 'src', 'run.ts'), 'utf8')
    .matchAll(/^\s+'?([\w-]+)'?: \w+Scenario,$/gm),
]
  .map((m) => m[1])
  .join(', ')}
Knobs: BENCH_QUICK=1 (a short smoke run), BENCH_PROFILE=<dir> (CPU profiles of the services),
BENCH_REBUILD_ACCOUNTS=<n>; see bench/README.md.
`);
if (require('./node-runtime').handedToNode24(__filename)) return;
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { startBroker } = require('../infra/kafka/local-broker');

const root = path.resolve(__dirname, '..');

async function main() {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const broker = process.env.KAFKA_BROKERS ? undefined : await startBroker({ fast: false });
  try {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'bench', 'src', 'run.js'), ...process.argv.slice(2)],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? broker.brokers,
          LOG_LEVEL: 'warn',
          LOG_REQUESTS: 'false',
        },
      },
    );
    process.exitCode = run.status ?? 1;
  } finally {
    await broker?.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
