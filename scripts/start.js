#!/usr/bin/env node
// `npm start`: the whole system on this machine. Starts the local Kafka broker (unless KAFKA_BROKERS
// is given), checks PostgreSQL, builds, starts both services and the admin console, prints their URLs,
// restarts a process that dies, and on Ctrl-C stops everything it started.
//
// The broker keeps its log in KAFKA_DATA_DIR (default tmp/kafka-data, git-ignored), so a restart finds
// the same topics, messages and consumer offsets, as the databases keep their tables.
//   npm start -- --fresh      wipe the broker's data first (same as `npm run kafka:wipe`)
//   npm start -- --no-build   skip the build (dist/ is up to date)
// Tally runs on Node 24: on an older Node, run this script again under Node 24 (scripts/node-runtime.js).
require('./lib/help').answerHelp(`
usage: npm start [-- --fresh] [-- --no-build]

Runs the whole system on this machine: the local Kafka broker (unless KAFKA_BROKERS is set), both
databases (created and migrated if missing), both services and the admin console; prints their URLs
and bearer tokens; restarts a process that dies; Ctrl-C stops everything it started.

  --fresh      wipe the local broker's data (KAFKA_DATA_DIR, default tmp/kafka-data) first
  --no-build   skip the build (dist/ is up to date)

Environment: HOST (default 127.0.0.1), COMMAND_SERVICE_PORT (3001), QUERY_SERVICE_PORT (3002),
ADMIN_CONSOLE_PORT (3003),
KAFKA_BROKERS, KAFKA_PORT (9092), KAFKA_DATA_DIR, WRITE_DATABASE_URL, READ_DATABASE_URL, AUTH_JWKS_URL
and every other service setting: see docs/configuration.md.
`);
if (require('./node-runtime').handedToNode24(__filename)) return;
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const { startBroker, wipeDataDir } = require('../infra/kafka/local-broker');
const { localAuthSecret, mintToken, secretFile } = require('./local-auth');

const root = path.resolve(__dirname, '..');
const kafkaDataDir = path.resolve(root, process.env.KAFKA_DATA_DIR ?? path.join('tmp', 'kafka-data'));

/** A service port from the environment, refused at once (naming the variable) unless it is 1-65535. */
function portFrom(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535) {
    console.error(`${name} should be a port number (1-65535), not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return port;
}

/**
 * How the services' log lines reach this terminal. They log JSON, one object a line (what a log
 * collector wants, and what they print in Docker or when this script's output goes to a file or a
 * pipe); on a terminal, each is pretty-printed on one line (pino-pretty): time, level, service, message.
 */
function logEcho() {
  if (!process.stdout.isTTY) return true;
  const pretty = require('pino-pretty').prettyFactory({
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,context',
    messageFormat: '{service} {msg}',
  });
  return (line) => {
    let formatted;
    try {
      formatted = line.startsWith('{') ? pretty(line) : undefined;
    } catch {
      // Not a log record after all: printed as it is.
    }
    process.stdout.write(formatted ?? `${line}\n`);
  };
}

async function main() {
  const { values: flags } = parseArgs({
    options: { fresh: { type: 'boolean', default: false }, 'no-build': { type: 'boolean', default: false } },
  });
  // HOST (default 127.0.0.1; 0.0.0.0 listens on every interface) and each service's port, as the
  // services themselves read them (PORT alone would give both services the same port).
  const host = process.env.HOST || '127.0.0.1';
  const ports = {
    'command-service': portFrom('COMMAND_SERVICE_PORT', 3001),
    'query-service': portFrom('QUERY_SERVICE_PORT', 3002),
    'admin-console': portFrom('ADMIN_CONSOLE_PORT', 3003),
  };
  if (!flags['no-build']) {
    const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  // Loaded after the build: the helpers are the project's own compiled TypeScript.
  const { ensureDatabase } = require('../dist/libs/platform/database/src');
  const { startService } = require('../dist/libs/platform/testing/src/service-process');

  const env = {
    WRITE_DATABASE_URL: process.env.WRITE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tally_write',
    READ_DATABASE_URL: process.env.READ_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tally_read',
  };
  // Both APIs need bearer tokens. Locally, an HS256 secret (generated once) signs them; with
  // AUTH_JWKS_URL the services trust that key set instead and no token is printed.
  const localAuth = !process.env.AUTH_JWKS_URL;
  if (localAuth) env.AUTH_HS256_SECRET = localAuthSecret({ create: true });
  try {
    await ensureDatabase(process.env.WRITE_MIGRATION_DATABASE_URL ?? env.WRITE_DATABASE_URL);
    await ensureDatabase(process.env.READ_MIGRATION_DATABASE_URL ?? env.READ_DATABASE_URL);
  } catch (error) {
    console.error(`\n${error.message}\n`);
    process.exit(1);
  }

  let broker;
  if (process.env.KAFKA_BROKERS) {
    env.KAFKA_BROKERS = process.env.KAFKA_BROKERS;
  } else {
    if (flags.fresh && wipeDataDir(kafkaDataDir)) console.log(`Wiped the Kafka data in ${kafkaDataDir}`);
    broker = await startBroker({ port: Number(process.env.KAFKA_PORT ?? 9092), dataDir: kafkaDataDir });
    env.KAFKA_BROKERS = broker.brokers;
  }

  const services = {};
  let stopping = false;

  /** Per process: the console watches the command service's /metrics where this script started it. */
  const envOf = (name) =>
    name === 'admin-console' && !process.env.ADMIN_COMMAND_METRICS_URLS
      ? { ...env, ADMIN_COMMAND_METRICS_URLS: `${services['command-service'].url}/metrics` }
      : env;
  const echo = logEcho();
  const launch = async (name) => {
    const service = await startService(name, { env: envOf(name), host, port: ports[name], echo });
    services[name] = service;
    service.child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`${name} exited (${code ?? signal}); restarting in 1 s`);
      setTimeout(() => launch(name).catch(shutdownWith(1)), 1_000);
    });
    return service;
  };

  const shutdownWith = (code) => async (error) => {
    if (stopping) return;
    stopping = true;
    if (error) console.error(error.message ?? error);
    console.log('\nStopping...');
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await broker?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => shutdownWith(0)());
  process.once('SIGTERM', () => shutdownWith(0)());

  try {
    await launch('command-service');
    await launch('query-service');
    await launch('admin-console');
  } catch (error) {
    return shutdownWith(1)(error);
  }
  const TWELVE_HOURS = 12 * 60 * 60;
  const tokens = localAuth
    ? {
        alice: await mintToken(env.AUTH_HS256_SECRET, {
          subject: 'alice',
          scopes: ['tally:write', 'tally:read'],
          ttlSeconds: TWELVE_HOURS,
        }),
        admin: await mintToken(env.AUTH_HS256_SECRET, {
          subject: 'admin',
          scopes: ['tally:admin'],
          ttlSeconds: TWELVE_HOURS,
        }),
      }
    : undefined;
  console.log(`
Tally is running (Ctrl-C stops everything):
  write API  ${services['command-service'].url}   docs ${services['command-service'].url}/docs
  read API   ${services['query-service'].url}   docs ${services['query-service'].url}/docs
  console    ${services['admin-console'].url}   admin console (sign in with the ADMIN_TOKEN below)
  Kafka      ${env.KAFKA_BROKERS}${broker ? ` (local broker, data kept in ${path.relative(root, kafkaDataDir) || kafkaDataDir}; npm start -- --fresh wipes it)` : ''}
  PostgreSQL ${env.WRITE_DATABASE_URL} (write), ${env.READ_DATABASE_URL} (read)
${
  tokens
    ? `
Bearer tokens (12 h; signed with the local secret in ${path.relative(root, secretFile)} or AUTH_HS256_SECRET):
  export TOKEN=${tokens.alice}
      (owner "alice": tally:write tally:read)
  export ADMIN_TOKEN=${tokens.admin}
      (tally:admin: every owner's accounts, and the admin console: paste it at ${services['admin-console'].url})
  More: npm run token -- --sub bob   (or --admin)
  Then: curl -H "authorization: Bearer $TOKEN" ${services['query-service'].url}/accounts
`
    : '\nAuthentication: tokens from the identity provider at AUTH_JWKS_URL.\n'
}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
