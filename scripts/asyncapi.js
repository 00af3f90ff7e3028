#!/usr/bin/env node
// `npm run asyncapi`: writes asyncapi/tally-events.yaml, the AsyncAPI 3 document of the event topic and
// its dead-letter topic, from the event schemas in libs/contracts (no database or broker needed).
// A unit test fails when the committed document differs from what the code builds.
require('./lib/help').answerHelp(
  'usage: npm run asyncapi [-- --release]\n\nWrites asyncapi/tally-events.yaml from the event schemas in libs/contracts ' +
    '(builds dist/ first when it is stale); commit it with the change that altered an event.\n' +
    'With --release (when cutting a release): also asyncapi/released-event-schemas.json, the baseline ' +
    'that npm test holds every later event schema change to.',
);
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = spawnSync(
  process.execPath,
  [path.join(__dirname, 'cli.js'), 'command-service/src/asyncapi', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(run.status ?? 1);
