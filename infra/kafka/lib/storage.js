// @ts-check
'use strict';
/**
 * Storage: KRaft needs `kafka-storage format` before the first start. A formatted dir is just two small
 * files, so it is formatted once per version into a template and copied (saves a JVM start per broker).
 * A reused data dir keeps what it has: that is how a broker's log survives restarts.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { baseJvmArgs, classpath, javaCommand, runCommand, tail } = require('./commands');
const { publishDir } = require('./install');
const { versionDir } = require('./paths');
const { formatProperties, singleNodeProperties } = require('./server-properties');

/**
 * @typedef {import('./types').Log} Log
 * @typedef {import('./types').ScramOptions} ScramOptions
 */

const META = 'meta.properties';

/** @param {string} logDir */
const isFormatted = (logDir) => fs.existsSync(path.join(logDir, META));

/**
 * @param {string} libsDir
 * @param {{ log: Log }} options
 * @returns {Promise<string>} the template dir
 */
async function ensureStorageTemplate(libsDir, { log }) {
  const template = path.join(versionDir(), 'storage-template');
  if (isFormatted(template)) return template;

  const staging = `${template}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    const logDir = path.join(staging, 'logs');
    const props = path.join(staging, 'server.properties');
    // Ports do not end up in the formatted files (static voters => no voter records), any value will do.
    fs.writeFileSync(
      props,
      formatProperties(singleNodeProperties({ port: 9092, controllerPort: 9093, logDir })),
    );
    const result = await runStorageTool(libsDir, [
      'format',
      '-t',
      newClusterId(),
      '-c',
      props,
      '--ignore-formatted',
    ]);
    if (result.code !== 0 || !isFormatted(logDir)) {
      throw new Error(`Formatting Kafka storage failed (exit ${result.code}):\n${tail(result.output, 40)}`);
    }
    publishDir(logDir, template, () => isFormatted(template));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log('Formatted a KRaft storage template (first run only).');
  return template;
}

/**
 * @param {string} libsDir
 * @param {string[]} args
 */
function runStorageTool(libsDir, args) {
  return runCommand(javaCommand(), [
    ...baseJvmArgs({ fast: true }),
    '-cp',
    classpath(libsDir),
    'kafka.tools.StorageTool',
    ...args,
  ]);
}

/** Same shape as Kafka's Uuid.randomUuid().toString(); computed here to save a JVM start. */
function newClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka refuses ids that look like command-line flags
  }
}

/**
 * Formats a single broker's log dir, unless it already holds a formatted log (a reused data dir).
 * @param {string} libsDir
 * @param {string} logDir
 * @param {{ log: Log, scram?: ScramOptions, propsFile: string }} options
 */
async function prepareLogDir(libsDir, logDir, { log, scram, propsFile }) {
  if (isFormatted(logDir)) return;
  if (scram) return formatWithScramUsers(libsDir, propsFile, scram);
  const template = await ensureStorageTemplate(libsDir, { log });
  fs.cpSync(template, logDir, { recursive: true });
}

/**
 * One node of a cluster: the template's bootstrap metadata with this node's id, the cluster's id and a
 * directory id of its own (the formatted files name no ports or peers, so the template fits any node).
 * @param {string} libsDir
 * @param {string} logDir
 * @param {{ log: Log, nodeId: number, clusterId: string }} options
 */
async function prepareClusterLogDir(libsDir, logDir, { log, nodeId, clusterId }) {
  if (isFormatted(logDir)) return;
  const template = await ensureStorageTemplate(libsDir, { log });
  const staging = `${logDir}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(template, staging, { recursive: true });
  const meta = fs
    .readFileSync(path.join(staging, META), 'utf8')
    .replace(/^node\.id=.*$/m, `node.id=${nodeId}`)
    .replace(/^cluster\.id=.*$/m, `cluster.id=${clusterId}`)
    .replace(/^directory\.id=.*$/m, `directory.id=${newClusterId()}`);
  fs.writeFileSync(path.join(staging, META), meta);
  fs.renameSync(staging, logDir); // a crash mid-copy leaves no half-formatted dir behind
}

/**
 * SCRAM credentials live in the KRaft metadata log, and the only way to have them before the first
 * start (so that the broker can authenticate to itself) is `format --add-scram`: no shared template.
 * @param {string} libsDir
 * @param {string} propsFile
 * @param {ScramOptions} scram
 */
async function formatWithScramUsers(libsDir, propsFile, scram) {
  const users = Object.entries(scram.users).flatMap(([name, password]) => [
    '--add-scram',
    `${scram.mechanism}=[name=${name},password=${password}]`,
  ]);
  const result = await runStorageTool(libsDir, ['format', '-t', newClusterId(), '-c', propsFile, ...users]);
  if (result.code !== 0) {
    throw new Error(
      `Formatting Kafka storage with SCRAM users failed (exit ${result.code}):\n${tail(result.output, 40)}`,
    );
  }
}

module.exports = { prepareLogDir, prepareClusterLogDir, newClusterId };
