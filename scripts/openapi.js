#!/usr/bin/env node
// `npm run openapi`: writes openapi/command-service.json and openapi/query-service.json, the documents
// the services serve at /docs-json, built without starting them (no database or broker needed).
// A unit test fails when the committed documents differ from what the code builds.
require('./lib/help').answerHelp(
  'usage: npm run openapi\n\nWrites openapi/command-service.json and openapi/query-service.json from the code ' +
    '(builds dist/ first when it is stale); commit them with the change that altered the API.',
);
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const service of ['command-service', 'query-service']) {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'cli.js'), `${service}/src/openapi`], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
