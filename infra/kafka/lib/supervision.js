// @ts-check
'use strict';
/**
 * Process supervision: the broker JVM never outlives its Node owner, a stop is SIGTERM then SIGKILL, and
 * temp data dirs of owners that died are removed by the next start.
 */

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** @typedef {import('./types').BrokerExit} BrokerExit */

const TEMP_PREFIX = 'tally-kafka-';

/** @type {boolean | undefined} */
let pdeathsigSupported;

/**
 * Prefixes the command with `setpriv --pdeathsig KILL` where available (Linux): the kernel then kills the
 * JVM even if this Node process dies by a signal, when no 'exit' handler of ours gets to run.
 * @param {string} command
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
function withOrphanGuard(command, args) {
  if (pdeathsigSupported === undefined) {
    pdeathsigSupported =
      process.platform === 'linux' &&
      /--pdeathsig/.test(spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout || '');
  }
  return pdeathsigSupported ? ['setpriv', ['--pdeathsig', 'KILL', command, ...args]] : [command, args];
}

/** @typedef {{ child: import('node:child_process').ChildProcess, cleanup: () => void }} Tracked */

// Parent-exit safety net: one 'exit' listener for all brokers of this process (SIGKILL is synchronous).
/** @type {Set<Tracked>} */
const liveBrokers = new Set();
let exitHookInstalled = false;

/**
 * @param {Tracked} entry
 * @returns {() => void} untrack
 */
function trackUntilExit(entry) {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const { child, cleanup } of liveBrokers) {
        try {
          child.kill('SIGKILL');
          cleanup();
        } catch {
          // process is exiting anyway
        }
      }
    });
  }
  liveBrokers.add(entry);
  return () => liveBrokers.delete(entry);
}

/**
 * SIGTERM (Kafka shuts down cleanly), then SIGKILL after graceMs. Resolves once the process is gone.
 * @param {import('node:child_process').ChildProcess} child
 * @param {Promise<BrokerExit>} exited
 * @param {number} graceMs 0: SIGKILL at once
 * @returns {Promise<BrokerExit>}
 */
async function terminate(child, exited, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, graceMs, 'timeout')));
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return exited;
  child.kill('SIGKILL');
  return exited;
}

/** A fresh temp data dir that carries its owner's pid. */
function makeTempDataDir() {
  removeOrphanedDataDirs();
  return fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
}

/**
 * Temp data dirs carry their owner's pid. A SIGKILLed owner cannot clean up after itself (the JVM still
 * dies, see withOrphanGuard), so the next start removes dirs whose owner is gone.
 */
function removeOrphanedDataDirs() {
  const pattern = new RegExp(`^${TEMP_PREFIX}(\\d+)-`);
  for (const name of fs.readdirSync(os.tmpdir())) {
    const owner = pattern.exec(name)?.[1];
    if (owner && !isAlive(Number(owner))) {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM'; // exists, owned by someone else
  }
}

module.exports = { withOrphanGuard, trackUntilExit, terminate, makeTempDataDir };
