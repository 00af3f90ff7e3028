// @ts-check
'use strict';
/** The command line of infra/kafka/local-broker.js. */

const { parseArgs } = require('node:util');
const { startCluster } = require('./cluster');
const { wipeDataDir } = require('./data-dir');
const { installBroker } = require('./install');
const { kafkaVersion } = require('./paths');

const USAGE = `usage: node infra/kafka/local-broker.js <command>
  install                                   fetch the jars (once per version / pom.xml edit)
  start [--port 9092] [--controller-port N] [--data-dir DIR] [--no-fast]
                                            one broker; with --data-dir its log survives restarts
  cluster [--nodes 3] [--data-dir DIR]      a KRaft cluster of broker+controller nodes on loopback
  wipe --data-dir DIR                       delete a broker's data (topics, messages, offsets)`;

/** @param {{ stop: () => Promise<void> }} running */
function stopOnSignals(running) {
  let signals = 0;
  /** @param {NodeJS.Signals} signal */
  const shutdown = async (signal) => {
    if (++signals > 1) process.exit(1); // second Ctrl+C: give up waiting (the exit hook SIGKILLs the JVMs)
    console.log(`${signal}: stopping Kafka...`);
    await running.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  return () => signals;
}

/** @param {string[]} argv */
async function cliStart(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '9092' },
      'controller-port': { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'no-fast': { type: 'boolean', default: false },
    },
  });
  const { startBroker } = require('../local-broker');
  const broker = await startBroker({
    port: Number(values.port),
    controllerPort: Number(values['controller-port']),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    fast: !values['no-fast'],
  });
  console.log(`Kafka ${kafkaVersion()} ready on ${broker.brokers}`);
  const signals = stopOnSignals(broker);
  const { code, signal } = await broker.exited;
  if (!signals()) {
    console.error(`Kafka exited on its own (${signal || `code ${code}`})`);
    process.exit(1);
  }
}

/** @param {string[]} argv */
async function cliCluster(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { nodes: { type: 'string', default: '3' }, 'data-dir': { type: 'string' } },
  });
  const cluster = await startCluster({
    nodes: Number(values.nodes),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
  });
  console.log(
    `Kafka ${kafkaVersion()} cluster of ${cluster.nodes.length} ready on ${cluster.brokers} in ` +
      `${Math.round(cluster.startupMs)} ms; resident MB per node: ${JSON.stringify(cluster.rssMb())}`,
  );
  stopOnSignals(cluster);
}

/** @param {string[]} argv */
async function main(argv) {
  const [command, ...rest] = argv;
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  if (command === 'install') {
    console.log(`Kafka ${kafkaVersion()} jars in ${await installBroker()}`);
  } else if (command === 'start') {
    await cliStart(rest);
  } else if (command === 'cluster') {
    await cliCluster(rest);
  } else if (command === 'wipe') {
    const { values } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' } } });
    if (!values['data-dir']) throw new Error(USAGE);
    const dir = values['data-dir'];
    console.log(wipeDataDir(dir) ? `Deleted the Kafka data in ${dir}` : `No Kafka data in ${dir}`);
  } else {
    console.error(USAGE);
    process.exit(2);
  }
}

module.exports = { main };
