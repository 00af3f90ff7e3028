#!/usr/bin/env node
// Runs before `npm start` and `npm test` (pre-scripts), so both work on a fresh clone by themselves:
// installs the npm packages when node_modules is missing or older than package-lock.json.
// Uses Node built-ins only, because it runs before any package is there.
// Quietly: the script npm runs next says which Node it runs on.
if (require('./node-runtime').handedToNode24(__filename, { quiet: true })) return;
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

if (mtime(installed) < mtime(lock)) {
  console.log('Installing npm packages (npm ci)...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
