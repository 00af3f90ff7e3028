#!/usr/bin/env node
// `node scripts/cli.js <tool> [args]` runs dist/apps/<tool>.js, building dist/ first when it is missing
// or older than a source file under apps/ or libs/ (so `npm run republish` works right after a clone
// or an edit, instead of failing with "module not found" or running stale code).
// Tally runs on Node 24: on an older Node, run this script again under Node 24 (scripts/node-runtime.js).
if (require('./node-runtime').handedToNode24(__filename)) return;
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const [tool, ...args] = process.argv.slice(2);
const target = path.join(root, 'dist', 'apps', `${tool}.js`);

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const built = fs.existsSync(target) ? fs.statSync(target).mtimeMs : 0;
// The tools print their own usage: for --help an existing build will do, however old.
const helpOnly = require('./lib/help').helpRequested(args) && built > 0;
const sources = () => Math.max(newestSource(path.join(root, 'apps')), newestSource(path.join(root, 'libs')));
if (!helpOnly && built < sources()) {
  console.error(
    built ? 'Sources changed since the last build: building...' : 'Building (dist/ is missing)...',
  );
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const child = spawn(process.execPath, [target, ...args], { stdio: 'inherit' });
// A tool cleans up when interrupted (a rebuild drops its shadow schema): hand SIGINT and SIGTERM on
// and wait for it, rather than dying first. On a terminal it gets Ctrl-C directly as well; the tools
// take a repeat within a moment as the same request.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
