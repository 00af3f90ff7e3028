// @ts-check
'use strict';
/** Starts one broker JVM on a prepared data dir and hands back a handle to stop it. */

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { cdsPlan, dropCdsArchive, publishCdsArchive } = require('./cds');
const { baseJvmArgs, classpath, javaCommand, verboseLog4jConfig } = require('./commands');
const { BrokerStartError, waitForReady, watchOutput } = require('./output');
const { terminate, trackUntilExit, withOrphanGuard } = require('./supervision');

/**
 * @typedef {import('./types').Log} Log
 * @typedef {import('./types').BrokerExit} BrokerExit
 * @typedef {import('./types').LocalBroker} LocalBroker
 *
 * @typedef {object} LaunchSettings
 * @property {string} libsDir
 * @property {string} dir the broker's data dir (its cwd, so a JVM crash report lands there)
 * @property {string} propsFile
 * @property {{ port: number, controllerPort: number }} ports
 * @property {boolean} ownsDataDir remove `dir` when the broker stops
 * @property {Log} log
 * @property {boolean} verbose
 * @property {boolean} fast
 * @property {number} timeoutMs
 * @property {boolean} cds
 * @property {{ initial: string, max: string }} [heap]
 * @property {string} [prefix] before each forwarded output line, e.g. '[kafka-2]'
 */

const STOP_GRACE_MS = 15_000;

/**
 * @param {LaunchSettings} settings
 * @returns {Promise<LocalBroker>}
 */
async function launchWithCdsFallback(settings) {
  try {
    return await launchBroker(settings);
  } catch (err) {
    if (!(err instanceof BrokerStartError && err.cdsCrash)) throw err;
    dropCdsArchive(settings.libsDir);
    settings.log('Kafka JVM crashed while loading its class-data archive; removed it, retrying without.');
    return launchBroker({ ...settings, cds: false });
  }
}

/**
 * @param {LaunchSettings} settings
 * @returns {Promise<LocalBroker>}
 */
async function launchBroker({
  libsDir,
  dir,
  propsFile,
  ports,
  ownsDataDir,
  log,
  verbose,
  fast,
  timeoutMs,
  cds,
  heap,
  prefix = '[kafka]',
}) {
  const plan = cdsPlan(libsDir, dir, cds);
  const jvmArgs = [
    ...baseJvmArgs({ fast, heap, ...(verbose ? { log4jConfig: verboseLog4jConfig(dir) } : {}) }),
    ...plan.args,
    '-cp',
    classpath(libsDir),
    'kafka.Kafka',
    propsFile,
  ];
  const [command, args] = withOrphanGuard(javaCommand(), jvmArgs);

  const spawnedAt = process.hrtime.bigint();
  // detached: its own process group, so a terminal's Ctrl-C reaches only the owner, which stops its
  // clients first (the services commit their offsets and finish publishing) and the broker last.
  // The orphan guard still kills the JVM if the owner dies.
  const child = spawn(command, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = watchOutput(child, { log, verbose, prefix });

  /** @type {Promise<BrokerExit>} */
  const exited = new Promise((resolve) => {
    // A JVM that never started (e.g. no java on PATH) emits only 'error'; stop() must not wait forever.
    child.once('error', (error) => child.pid === undefined && resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => {
      // 143/130: the JVM ran its shutdown hooks after our SIGTERM / a terminal's SIGINT.
      publishCdsArchive(plan, code === 0 || code === 143 || code === 130);
      resolve({ code, signal });
    });
  });
  const untrack = trackUntilExit({
    child,
    cleanup: () => ownsDataDir && fs.rmSync(dir, { recursive: true, force: true }),
  });

  if (plan.mode === 'use') {
    // The JVM ignores an archive from another JDK build or classpath (and says so); drop it so the next
    // clean stop dumps a matching one instead of every start running without it.
    output.onLine(
      (line) =>
        /\[cds.*(Unable to use shared archive|mismatch)/i.test(line) &&
        fs.rmSync(plan.archive, { force: true }),
    );
  }

  try {
    await waitForReady(child, output, timeoutMs);
  } catch (err) {
    await terminate(child, exited, 0);
    untrack();
    if (err instanceof BrokerStartError) {
      err.cdsCrash =
        plan.mode === 'use' && output.recent.some((line) => line.includes('A fatal error has been detected'));
    }
    throw err;
  }
  const startupMs = Number(process.hrtime.bigint() - spawnedAt) / 1e6;

  /** @type {Promise<void> | undefined} */
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      await terminate(child, exited, STOP_GRACE_MS);
      untrack();
      if (ownsDataDir) fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  void exited.then(({ code, signal }) => {
    if (!stopping) log(`${prefix} broker exited unexpectedly (${signal || `code ${code}`})`);
  });

  return {
    brokers: `127.0.0.1:${ports.port}`,
    port: ports.port,
    controllerPort: ports.controllerPort,
    pid: /** @type {number} */ (child.pid),
    dataDir: dir,
    startupMs,
    exited,
    stop,
  };
}

module.exports = { launchWithCdsFallback };
