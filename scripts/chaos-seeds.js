#!/usr/bin/env node
// `npm run chaos:seeds`: the nightly-style batch of chaos runs on new seeds (issue #23: one seed proves
// little). Runs `npm run chaos` (scripts/chaos.js) one profile run after another, each with its own
// seed (new random ones unless --seeds names them), keeps each run's results in
// tmp/chaos/seeds/<profile>-<seed>.json and prints a table of seeds and must-be-0 figures; exits 1 if
// any run failed. The cluster profile takes about 5-8 minutes a run: too long for `npm test`.
require('./lib/help').answerHelp(`
usage: npm run chaos:seeds -- [--runs N] [--seeds S1,S2,...] [--profile cluster|full|short]

Runs the chaos suite (npm run chaos) once per seed, one run at a time: the seeds given with --seeds,
then new random seeds up to --runs (default 5). Profile: --profile or CHAOS_PROFILE, default cluster.
Each run's results: tmp/chaos/seeds/<profile>-<seed>.json; the table: tmp/chaos/seeds/<profile>.md.
Exits 1 if any run failed. Other knobs (CHAOS_FAULT_KINDS, CHAOS_COMMANDS, ...) pass through.
`);
if (require('./node-runtime').handedToNode24(__filename)) return;
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.resolve(__dirname, '..');
const { values } = parseArgs({
  options: { runs: { type: 'string' }, seeds: { type: 'string' }, profile: { type: 'string' } },
});
const profile = values.profile ?? process.env.CHAOS_PROFILE ?? 'cluster';
const given = (values.seeds ?? '')
  .split(',')
  .filter(Boolean)
  .map((s) => {
    if (!/^\d+$/.test(s)) throw new Error(`--seeds: ${s} is not a number`);
    return Number(s);
  });
const runs = Math.max(Number(values.runs ?? 5), given.length);
const seeds = [...given];
while (seeds.length < runs) seeds.push(randomBytes(4).readUInt32LE(0));

const outDir = path.join(root, 'tmp', 'chaos', 'seeds');
fs.mkdirSync(outDir, { recursive: true });
const rows = [];
for (const [i, seed] of seeds.entries()) {
  console.log(`\n▶ chaos ${profile}, run ${i + 1} of ${seeds.length}: CHAOS_SEED=${seed}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'chaos.js'), '--profile', profile], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CHAOS_SEED: String(seed), CHAOS_PROFILE: profile },
  });
  const results = path.join(root, 'tmp', 'chaos', `${profile}.json`);
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(results, 'utf8'));
  } catch {
    parsed = undefined; // no results: the run died before writing them
  }
  if (parsed?.seed === seed) fs.copyFileSync(results, path.join(outDir, `${profile}-${seed}.json`));
  else parsed = undefined;
  rows.push(rowOf(seed, run.status === 0 && parsed?.ok === true, parsed, Date.now() - started));
}

const table = [
  '| seed | result | must-be-0 figures not 0 | drained | commands acknowledged | faults | minutes |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.seed} | ${r.ok ? 'PASS' : 'FAIL'} | ${r.nonZero} | ${r.drained} | ${r.acknowledged} | ${r.faults} | ${r.minutes} |`,
  ),
].join('\n');
fs.writeFileSync(path.join(outDir, `${profile}.md`), `${table}\n`);
const passed = rows.filter((r) => r.ok).length;
console.log(
  `\n${table}\n\n${passed} of ${rows.length} seeds passed (${profile}); results in ${path.relative(root, outDir)}`,
);
process.exit(passed === rows.length ? 0 : 1);

function rowOf(seed, ok, results, ms) {
  const minutes = (ms / 60_000).toFixed(1);
  if (!results)
    return { seed, ok: false, nonZero: 'no results', drained: '?', acknowledged: '?', faults: '?', minutes };
  const nonZero = Object.entries(results.mustBeZero)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`);
  return {
    seed,
    ok,
    nonZero: nonZero.join(', ') || `none (all ${Object.keys(results.mustBeZero).length} are 0)`,
    drained: results.drain?.drained ? 'yes' : 'no',
    acknowledged: results.commands.acknowledged,
    faults: results.faults.total,
    minutes,
  };
}
