#!/usr/bin/env node
// `npm run chaos`: the full fault-injection run (issues 6 and 18). Builds, then runs
// e2e/src/chaos.e2e-spec.ts with CHAOS_PROFILE=full (≥ 20,000 commands, ≥ 10 faults of each kind, fewer
// of the slow ones: pauses, stalls, the long transaction, operator actions). The suite starts and stops
// its own PostgreSQL, Kafka broker, services and fault proxies; this script only bounds the wall time.
// Results: printed, and written to tmp/chaos/full.json and tmp/chaos/latest.json.
// `npm run chaos -- --profile cluster`: the same on a three-node Kafka cluster (replication 3,
// min.insync.replicas 2, acks=all) with the faults "partition leader kill -9" and "node cut off from the
// others", about 5 minutes; it reports the longest time without an acknowledged write.
// Knobs: CHAOS_SEED (replay a run's choices), CHAOS_PROFILE (short|full|cluster), CHAOS_COMMANDS,
// CHAOS_FAULTS_PER_KIND, CHAOS_FAULT_KINDS, CHAOS_CLIENTS, CHAOS_LOG_LEVEL (services' LOG_LEVEL, default warn).
// Tally runs on Node 24: on an older Node, run this script again under Node 24 (scripts/node-runtime.js).
require('./lib/help').answerHelp(`
usage: npm run chaos

Builds, then runs the fault-injection suite (e2e/src/chaos.e2e-spec.ts) with its own PostgreSQL, Kafka
broker, services and fault proxies, bounded to 25 minutes. Results: tmp/chaos/<profile>.json.
Knobs: CHAOS_PROFILE (short|full|cluster, default full; or --profile), CHAOS_SEED (replay a run's
choices), CHAOS_COMMANDS, CHAOS_FAULTS_PER_KIND (one count for every kind), CHAOS_FAULT_KINDS (only
these kinds, comma-separated), CHAOS_CLIENTS, CHAOS_LOG_LEVEL (the services' LOG_LEVEL, default warn).
`);
if (require('./node-runtime').handedToNode24(__filename)) return;
const { spawn, spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const fs = require('node:fs');
const path = require('node:path');
const { installBroker } = require('../infra/kafka/local-broker');

const root = path.resolve(__dirname, '..');
const LIMIT_MS = 25 * 60_000;

async function main() {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('build failed');
  await installBroker();
  const { values } = parseArgs({ options: { profile: { type: 'string' } } });
  const profile = values.profile ?? process.env.CHAOS_PROFILE ?? 'full';
  const results = path.join(root, 'tmp', 'chaos', `${profile}.json`);
  fs.rmSync(results, { force: true });
  const jest = spawn(
    path.join(root, 'node_modules', '.bin', 'jest'),
    [
      '-c',
      'jest.config.js',
      '--selectProjects',
      'e2e',
      '--testPathPatterns',
      'chaos\\.e2e-spec',
      '--runInBand',
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, CHAOS_PROFILE: profile } },
  );
  // Bounded: past the limit the run is stopped (its orphan guard then stops PostgreSQL and the services).
  const timer = setTimeout(() => {
    console.error(`\n✖ chaos run exceeded ${LIMIT_MS / 60_000} min; stopping it`);
    jest.kill('SIGTERM');
    setTimeout(() => jest.kill('SIGKILL'), 10_000).unref();
  }, LIMIT_MS);
  const code = await new Promise((resolve) => jest.on('exit', (c, signal) => resolve(c ?? signal)));
  clearTimeout(timer);
  if (!fs.existsSync(results)) throw new Error(`no results were written (${results})`);
  const { ok, seed } = JSON.parse(fs.readFileSync(results, 'utf8'));
  console.log(
    `\n${ok && code === 0 ? '✔' : '✖'} chaos (${profile}, seed ${seed}): results in ${path.relative(root, results)}` +
      ` (CHAOS_SEED=${seed} replays this run's choices)`,
  );
  process.exit(ok && code === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`\n✖ ${error.message}`);
  process.exit(1);
});
