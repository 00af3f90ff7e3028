#!/usr/bin/env node
// `npm test`: lint and type check, unit tests, then integration and end-to-end tests against the real
// PostgreSQL and a real Kafka broker. Unless KAFKA_BROKERS is given, the local broker (infra/kafka)
// is started for the run and stopped after it, whatever happens.
// Tally runs on Node 24: on an older Node, run this script again under Node 24 (scripts/node-runtime.js).
require('./lib/help').answerHelp(`
usage: npm test

Lint and type check, unit tests, build, then integration and end-to-end tests against the real
PostgreSQL (127.0.0.1:5432, or TEST_DATABASE_URL) and a real Kafka broker (started for the run unless
KAFKA_BROKERS is set); the admin console's browser tests run headless Chromium (Debian's chromium
package, installed with apt-get when missing). Ends with one line: "N passed, N failed". Runs on Node 24 (fetched once if the
machine's Node is older). One project only: npm run test:unit | test:int | test:e2e (Jest's options).
`);
if (require('./node-runtime').handedToNode24(__filename)) return;
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { installBroker, startBroker } = require('../infra/kafka/local-broker');
const { ensureChromium } = require('./lib/chromium');

const root = path.resolve(__dirname, '..');
const reports = path.join(root, 'tmp', 'test-reports');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(title, command, args, env = {}) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0)
    throw new Error(`${title} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
  console.log(`✔ ${title} (${seconds} s)`);
}

const jest = (project, extra = []) => [
  bin('jest'),
  [
    '-c',
    'jest.config.js',
    '--selectProjects',
    project,
    '--json',
    `--outputFile=${path.join(reports, `${project}.json`)}`,
    ...extra,
  ],
];

/** One closing line over all Jest runs, in the plain form CI reads. */
function summarise() {
  let passed = 0;
  let failed = 0;
  for (const file of fs.existsSync(reports) ? fs.readdirSync(reports) : []) {
    const report = JSON.parse(fs.readFileSync(path.join(reports, file), 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
  }
  console.log(`\n${passed} passed, ${failed} failed`);
}

async function main() {
  fs.rmSync(reports, { recursive: true, force: true });
  fs.mkdirSync(reports, { recursive: true });
  let broker;
  try {
    // First: a machine that cannot get Chromium (for the browser tests) says so at once.
    ensureChromium();
    run('lint', 'npm', ['run', '--silent', 'lint']);
    run('type check', 'npm', ['run', '--silent', 'typecheck']);
    run('unit tests', ...jest('unit'));
    run('build', process.execPath, [path.join(root, 'scripts', 'build.js')]);
    const env = {};
    if (!process.env.KAFKA_BROKERS) {
      await installBroker();
      broker = await startBroker();
      env.KAFKA_BROKERS = broker.brokers;
      console.log(`Kafka broker for the tests on ${broker.brokers}`);
    }
    run('integration tests', ...jest('int'), env);
    run('end-to-end tests', ...jest('e2e', ['--runInBand']), env);
  } finally {
    await broker?.stop();
    summarise();
  }
}

main().catch((error) => {
  console.error(`\n✖ ${error.message}`);
  process.exit(1);
});
