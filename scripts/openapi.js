#!/usr/bin/env node
// `npm run openapi`: writes openapi/command-service.json and openapi/query-service.json, the documents
// the services serve at /docs-json, built without starting them (no database or broker needed), and the
// TypeScript types @tally/client is typed with (libs/client/src/generated, by openapi-typescript).
// Unit tests fail when the committed documents or types differ from what the code builds.
require('./lib/help').answerHelp(
  'usage: npm run openapi\n\nWrites openapi/command-service.json and openapi/query-service.json from the code ' +
    '(builds dist/ first when it is stale), and the types of @tally/client generated from them ' +
    '(libs/client/src/generated); commit them with the change that altered the API.',
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
  const types = path.join(root, 'libs', 'client', 'src', 'generated', `${service}.ts`);
  const generate = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
      path.join(root, 'openapi', `${service}.json`),
      '-o',
      types,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (generate.status !== 0) process.exit(generate.status ?? 1);
  console.log(`wrote ${types}`);
}
