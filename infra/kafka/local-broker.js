// @ts-check
'use strict';
/**
 * A real Apache Kafka broker (single-node KRaft on 127.0.0.1) for tests and local runs, without Docker,
 * and a three-node cluster of them (see lib/cluster.js).
 *
 * The broker's jars come from Maven Central via infra/kafka/pom.xml (the only place that names the Kafka
 * version) and are cached outside git, in ~/.cache/tally/kafka/<version>/ (or $TALLY_KAFKA_HOME/<version>/).
 *
 *   const { installBroker, startBroker, kafkaVersion } = require('./infra/kafka/local-broker');
 *   const broker = await startBroker();          // { brokers: '127.0.0.1:<port>', port, pid, dataDir, stop }
 *   ...
 *   await broker.stop();
 *
 * CLI: node infra/kafka/local-broker.js install | start | wipe | cluster (see lib/cli.js)
 *
 * Plain CommonJS with Node built-ins only (type-checked JSDoc), so it runs before any build step and
 * from CI scripts. The pieces, one concern each, are in lib/.
 */

const fs = require('node:fs');
const path = require('node:path');
const { installBroker } = require('./lib/install');
const { launchWithCdsFallback } = require('./lib/launch');
const { kafkaVersion } = require('./lib/paths');
const { freeLoopbackPorts } = require('./lib/ports');
const { formatProperties, saslOf, singleNodeProperties } = require('./lib/server-properties');
const { prepareLogDir } = require('./lib/storage');
const { makeTempDataDir } = require('./lib/supervision');
const { primeCoordinators } = require('./lib/warm-up');
const { startCluster } = require('./lib/cluster');
const { isBrokerDataDir, wipeDataDir } = require('./lib/data-dir');

/**
 * @typedef {import('./lib/types').StartOptions} StartOptions
 * @typedef {import('./lib/types').LocalBroker} LocalBroker
 */

/**
 * Starts a single-node KRaft broker+controller on 127.0.0.1 and resolves once it accepts clients.
 * With `dataDir`, whatever the broker held there before (topics, messages, consumer offsets) is served
 * again; without, it runs on a temp dir that is removed when it stops.
 * @param {StartOptions} [options]
 * @returns {Promise<LocalBroker>}
 */
async function startBroker(options = {}) {
  const {
    port = 0,
    controllerPort = 0,
    dataDir,
    log = (line) => console.log(line),
    fast = true,
    timeoutMs = 60_000,
    cds = true,
    warmUp = true,
    properties = {},
    scram,
    heap,
  } = options;
  if (scram && !scram.users?.[scram.superUser]) throw new Error('scram.superUser must be one of scram.users');
  const verbose = process.env.TALLY_KAFKA_VERBOSE === '1';
  const libsDir = await installBroker({ log });

  const ownsDataDir = !dataDir;
  const dir = dataDir ? path.resolve(dataDir) : makeTempDataDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
    const [freePort, freeControllerPort] = await freeLoopbackPorts(2);
    const ports = { port: port || freePort, controllerPort: controllerPort || freeControllerPort };
    if (ports.port === ports.controllerPort) {
      throw new Error(`port and controllerPort must differ (${ports.port})`);
    }

    const logDir = path.join(dir, 'logs');
    const propsFile = path.join(dir, 'server.properties');
    const props = singleNodeProperties({ ...ports, logDir, ...(scram ? { scram } : {}), extra: properties });
    fs.writeFileSync(propsFile, formatProperties(props));
    await prepareLogDir(libsDir, logDir, { log, propsFile, ...(scram ? { scram } : {}) });

    const broker = await launchWithCdsFallback({
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
      ...(heap ? { heap } : {}),
    });
    if (warmUp) {
      const start = process.hrtime.bigint();
      await primeCoordinators([broker.brokers], { log, ...(scram ? { sasl: saslOf(scram) } : {}) });
      broker.warmUpMs = Number(process.hrtime.bigint() - start) / 1e6;
    }
    if (scram) broker.sasl = saslOf(scram);
    return broker;
  } catch (err) {
    if (ownsDataDir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

module.exports = { installBroker, startBroker, startCluster, kafkaVersion, isBrokerDataDir, wipeDataDir };

if (require.main === module) {
  require('./lib/cli')
    .main(process.argv.slice(2))
    .catch((/** @type {Error} */ err) => {
      console.error(err.message);
      process.exit(1);
    });
}
