#!/usr/bin/env node
// `npm run lint`: the Nx project graph must load (tags drive the module-boundary rules), then ESLint with
// no warnings allowed, then Prettier's check. Stops at the first that fails.
require('./lib/help').answerHelp(`
usage: npm run lint

Checks that the Nx project graph loads, lints with ESLint (no warnings allowed: eslint.config.js holds
the module-boundary rules) and checks formatting with Prettier (npm run format fixes it).
`);
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

for (const [command, args, stdout] of [
  [bin('nx'), ['show', 'projects'], 'ignore'],
  [bin('eslint'), ['.', '--max-warnings', '0'], 'inherit'],
  [bin('prettier'), ['--check', '.'], 'inherit'],
]) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', stdout, 'inherit'] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
