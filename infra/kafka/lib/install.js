// @ts-check
'use strict';
/** Install: assemble the broker's classpath from Maven Central once per Kafka version (and pom.xml content). */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { runCommand, tail } = require('./commands');
const { POM, kafkaVersion, versionDir } = require('./paths');

/** @typedef {import('./types').Log} Log */

const INSTALL_MARKER = '.installed'; // written last, inside the libs dir

/** Fingerprint of pom.xml: editing exclusions or logging versions must invalidate the cached jars too. */
function pomStamp() {
  return crypto.createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

/**
 * @param {string} libsDir
 * @param {string} stamp
 */
function isInstalled(libsDir, stamp) {
  try {
    return fs.readFileSync(path.join(libsDir, INSTALL_MARKER), 'utf8').trim() === stamp;
  } catch {
    return false;
  }
}

/**
 * Makes sure the broker jars are in the cache and returns the libs dir (the broker classpath is <libs>/*).
 * Idempotent and fast once done. Maven fills a private temp dir that is renamed into place only when
 * complete, so an interrupted download or two concurrent first runs never leave a half-filled classpath.
 * @param {{ log?: Log }} [options]
 * @returns {Promise<string>}
 */
async function installBroker({ log = (line) => console.log(line) } = {}) {
  const version = kafkaVersion();
  const libsDir = path.join(versionDir(version), 'libs');
  const stamp = pomStamp();
  if (isInstalled(libsDir, stamp)) return libsDir;

  log(`Downloading Apache Kafka ${version} from Maven Central (first run only)...`);
  const staging = `${libsDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(libsDir), { recursive: true });
  try {
    await runMaven(staging);
    checkClasspath(staging, version);
    fs.writeFileSync(path.join(staging, INSTALL_MARKER), `${stamp}\n`);
    publishDir(staging, libsDir, () => isInstalled(libsDir, stamp));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return libsDir;
}

/** @param {string} outputDir */
async function runMaven(outputDir) {
  const args = ['-B', '-q', '-f', POM, 'validate', `-Dkafka.libs.dir=${outputDir}`];
  let result;
  try {
    result = await runCommand('mvn', args);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
    throw new Error('Maven (mvn) is needed to fetch the Kafka jars: install it (apt-get install maven)', {
      cause: err,
    });
  }
  if (result.code !== 0) {
    throw new Error(`mvn ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.output, 40)}`);
  }
}

/**
 * Guards against a pom edit that silently drops the broker itself or its logging (no log = no readiness).
 * @param {string} dir
 * @param {string} version
 */
function checkClasspath(dir, version) {
  const jars = fs.readdirSync(dir);
  for (const prefix of [`kafka_2.13-${version}`, 'reload4j-', 'slf4j-reload4j-']) {
    if (!jars.some((jar) => jar.startsWith(prefix) && jar.endsWith('.jar'))) {
      throw new Error(`Maven did not produce ${prefix}*.jar in ${dir}; check ${POM}`);
    }
  }
}

/**
 * Atomically moves a finished staging dir into place, unless another process already did so.
 * @param {string} staging
 * @param {string} target
 * @param {() => boolean} alreadyThere
 */
function publishDir(staging, target, alreadyThere) {
  if (fs.existsSync(target)) {
    if (alreadyThere()) return;
    fs.rmSync(target, { recursive: true, force: true }); // stale: older pom or an interrupted copy
  }
  try {
    fs.renameSync(staging, target);
  } catch (err) {
    if (!alreadyThere()) throw err; // lost a race to a concurrent install of the same content: fine
  }
}

module.exports = { installBroker, publishDir };
