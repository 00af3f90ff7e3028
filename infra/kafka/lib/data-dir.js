// @ts-check
'use strict';
/** A broker's persistent data dir (e.g. `npm start`'s tmp/kafka-data): recognised before it is wiped. */

const fs = require('node:fs');
const path = require('node:path');

/**
 * A dir a local broker or cluster wrote: its server.properties, or a node dir of a cluster.
 * @param {string} dir
 */
function isBrokerDataDir(dir) {
  return (
    fs.existsSync(path.join(dir, 'server.properties')) ||
    fs.existsSync(path.join(dir, 'logs', 'meta.properties')) ||
    fs.existsSync(path.join(dir, 'node-1', 'server.properties'))
  );
}

/**
 * Deletes a broker's data (topics, messages, consumer offsets). Refuses a dir that is not one, so a
 * mistyped path never removes anything else. Returns whether there was anything to delete.
 * @param {string} dir
 */
function wipeDataDir(dir) {
  const resolved = path.resolve(dir);
  if (!fs.existsSync(resolved)) return false;
  if (!isBrokerDataDir(resolved)) {
    throw new Error(
      `${resolved} does not look like a Kafka data dir (no server.properties): not deleting it`,
    );
  }
  fs.rmSync(resolved, { recursive: true, force: true });
  return true;
}

module.exports = { isBrokerDataDir, wipeDataDir };
