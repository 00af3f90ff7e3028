// @ts-check
'use strict';
/** Running the JVM and other commands: the java launcher, the broker's JVM flags, collected output. */

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { LOG4J_CONFIG } = require('./paths');

function javaCommand() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** @param {string} libsDir */
function classpath(libsDir) {
  return path.join(libsDir, '*'); // expanded by the java launcher, not by a shell
}

/**
 * fast: JIT tier 1 only, which starts quicker but runs slower; benchmarks pass fast: false.
 * heap: initial and maximum heap; each broker of a three-broker cluster runs with less than a single one.
 * @param {{ fast: boolean, log4jConfig?: string, heap?: { initial: string, max: string } }} options
 */
function baseJvmArgs({ fast, log4jConfig = LOG4J_CONFIG, heap = { initial: '128m', max: '512m' } }) {
  return [
    `-Xms${heap.initial}`,
    `-Xmx${heap.max}`,
    '-XX:+UseSerialGC', // 2 cores: parallel/G1 GC threads would only compete with the broker
    ...(fast ? ['-XX:TieredStopAtLevel=1'] : []),
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(log4jConfig).href}`,
  ];
}

/**
 * TALLY_KAFKA_VERBOSE=1: the same logging config at INFO, written next to the broker's data.
 * @param {string} dir
 */
function verboseLog4jConfig(dir) {
  const file = path.join(dir, 'log4j-verbose.properties');
  const text = fs
    .readFileSync(LOG4J_CONFIG, 'utf8')
    .replace(/^log4j\.rootLogger=WARN\b/m, 'log4j.rootLogger=INFO');
  fs.writeFileSync(file, text);
  return file;
}

/**
 * Runs a command to completion, collecting stdout+stderr. Rejects only if it cannot be spawned.
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<{ code: number | null, output: string }>}
 */
function runCommand(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/**
 * @param {string} text
 * @param {number} lines
 */
function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

module.exports = { javaCommand, classpath, baseJvmArgs, verboseLog4jConfig, runCommand, tail };
