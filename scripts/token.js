#!/usr/bin/env node
// `npm run token -- --sub alice [--scope tally:write,tally:read | --admin] [--ttl 3600]`: prints a bearer
// token for the services `npm start` runs (same secret: AUTH_HS256_SECRET or tmp/local-auth-secret).
const usage =
  'usage: npm run token -- --sub <owner id> [--scope tally:write,tally:read] [--admin] [--ttl <seconds>]';
require('./lib/help').answerHelp(
  `${usage}\n\nPrints a bearer token for the services npm start runs, signed with AUTH_HS256_SECRET or the ` +
    'local secret npm start generated (tmp/local-auth-secret).',
);
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { localAuthSecret, mintToken } = require('./local-auth');

async function main() {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string', default: 'tally:write,tally:read' },
      admin: { type: 'boolean', default: false },
      ttl: { type: 'string', default: '43200' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.sub) {
    console.error(usage);
    process.exit(values.help ? 0 : 2);
  }
  if (!fs.existsSync(path.resolve(__dirname, '../dist/libs/platform/http/src/auth/local-token.js'))) {
    console.error('Build first: npm run build (npm start builds too)');
    process.exit(1);
  }
  const secret = localAuthSecret();
  if (!secret) {
    console.error('No local secret yet: run npm start once, or set AUTH_HS256_SECRET');
    process.exit(1);
  }
  const ttlSeconds = Number(values.ttl);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new Error(`--ttl must be whole seconds`);
  const scopes = values.admin
    ? ['tally:admin']
    : values.scope
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  console.log(await mintToken(secret, { subject: values.sub, scopes, ttlSeconds }));
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
