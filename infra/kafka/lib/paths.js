// @ts-check
'use strict';
/** Where the local broker's inputs (pom.xml, log4j config) and its cache live. */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KAFKA_DIR = path.resolve(__dirname, '..');
const POM = path.join(KAFKA_DIR, 'pom.xml');
const LOG4J_CONFIG = path.join(KAFKA_DIR, 'log4j.properties');

/** The Kafka version, read from pom.xml so that it is written down in exactly one place. */
function kafkaVersion() {
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`No <kafka.version> property in ${POM}`);
  return match[1];
}

/** ~/.cache/tally/kafka/<version>/ (or $TALLY_KAFKA_HOME/<version>/): jars, CDS archive, storage template. */
function versionDir(version = kafkaVersion()) {
  const root = process.env.TALLY_KAFKA_HOME || path.join(os.homedir(), '.cache', 'tally', 'kafka');
  return path.join(path.resolve(root), version);
}

module.exports = { POM, LOG4J_CONFIG, kafkaVersion, versionDir };
