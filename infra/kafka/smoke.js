// @ts-check
'use strict';
/**
 * End-to-end check of the local Kafka broker with the client the services use (kafkajs):
 * install -> start -> create a 12-partition topic -> idempotent produce -> consume with a group -> stop,
 * then make sure no JVM is left behind. Prints timings. Exits non-zero on any failure or after a timeout.
 *
 *   node infra/kafka/smoke.js [--no-fast] [--no-warm-up]
 */

const fs = require('node:fs');
const { installBroker, startBroker, kafkaVersion } = require('./local-broker');
const { Kafka, Partitioners, logLevel } = require('kafkajs');

// Generous: a fresh machine first downloads ~45 MB of jars (and Maven's plugin) from Maven Central.
const TIMEOUT_MS = 300_000;
const TOPIC = 'smoke.events';
const PARTITIONS = 12;
const MESSAGE_COUNT = 24;

/** @type {Record<string, number | undefined>} */
const timings = {};
const since = (/** @type {number} */ start) => Math.round(performance.now() - start);

/**
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function timed(name, fn) {
  const start = performance.now();
  const result = await fn();
  timings[name] = since(start);
  return result;
}

/**
 * @param {unknown} condition
 * @param {string} message
 */
function assert(condition, message) {
  if (!condition) throw new Error(`smoke check failed: ${message}`);
}

/** @param {import('kafkajs').Kafka} kafka */
async function produce(kafka) {
  const producer = kafka.producer({
    idempotent: true, // requires acks -1 and one in-flight request (kafkajs 2.x)
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner, // Java-compatible murmur2 key hashing
  });
  await producer.connect();
  const messages = Array.from({ length: MESSAGE_COUNT }, (_, i) => ({
    key: `account-${i}`,
    value: `event-${i}`,
  }));
  const results = await producer.send({ topic: TOPIC, acks: -1, messages });
  await producer.disconnect();
  return { sent: messages, partitionsUsed: new Set(results.map((r) => r.partition)).size };
}

/** Consumes until every value was seen; also times the first group join of this fresh broker. */
/**
 * @param {import('kafkajs').Kafka} kafka
 * @param {string[]} expectedValues
 */
async function consumeAll(kafka, expectedValues) {
  const consumer = kafka.consumer({ groupId: `smoke-${process.pid}-${Date.now()}` });
  const seen = new Set();
  /** @type {number | undefined} */
  let joinedAfterMs;
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const runStart = performance.now();
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAfterMs ??= since(runStart)));
  /** @type {() => void} */
  let allSeen = () => undefined;
  const done = new Promise((resolve) => (allSeen = () => resolve(undefined)));
  // A crash (non-retriable error) would otherwise leave this waiting until the global timeout.
  const crashed = new Promise((_, reject) =>
    consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error)),
  );
  crashed.catch(() => undefined); // raced below; a crash during run() must not be an unhandled rejection
  const running = consumer.run({
    eachMessage: async ({ message }) => {
      seen.add(String(message.value));
      if (seen.size === expectedValues.length) allSeen();
    },
  });
  await Promise.race([running, crashed]); // run() resolves once the group is joined
  await Promise.race([done, crashed]);
  await consumer.disconnect();
  for (const value of expectedValues) assert(seen.has(value), `message ${value} was not consumed`);
  return { joinedAfterMs, consumed: seen.size };
}

/** True if any live process still has this broker's data dir on its command line. */
/** @param {string} dataDir */
function brokerProcessesLeft(dataDir) {
  return fs.readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
    } catch {
      return false; // exited while we looked
    }
  });
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const fast = !process.argv.includes('--no-fast');
  const warmUp = !process.argv.includes('--no-warm-up');
  await timed('installMs', () => installBroker());
  const broker = await timed('startBrokerMs', () => startBroker({ fast, warmUp }));
  timings.spawnToReadyMs = Math.round(broker.startupMs);
  if (warmUp) timings.warmUpMs = Math.round(broker.warmUpMs ?? 0);
  console.log(`Kafka ${kafkaVersion()} ready on ${broker.brokers} (pid ${broker.pid}, fast=${fast})`);

  try {
    const kafka = new Kafka({ clientId: 'tally-smoke', brokers: [broker.brokers], logLevel: logLevel.WARN });
    const admin = kafka.admin();
    await admin.connect();
    const created = await timed('createTopicMs', () =>
      admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true }),
    );
    assert(created, 'createTopics reported the topic as already existing');
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    assert(metadata.topics[0].partitions.length === PARTITIONS, `expected ${PARTITIONS} partitions`);
    await admin.disconnect();

    const { sent, partitionsUsed } = await timed('produceMs', () => produce(kafka));
    assert(partitionsUsed > 1, 'keys should spread over several partitions');
    const { joinedAfterMs, consumed } = await timed('consumeMs', () =>
      consumeAll(
        kafka,
        sent.map((m) => String(m.value)),
      ),
    );
    timings.firstGroupJoinMs = joinedAfterMs;
    console.log(`produced ${sent.length} messages over ${partitionsUsed} partitions, consumed ${consumed}`);
  } finally {
    await timed('stopMs', () => broker.stop());
  }

  assert(!isAlive(broker.pid), `broker pid ${broker.pid} is still alive after stop()`);
  const leftovers = brokerProcessesLeft(broker.dataDir);
  assert(leftovers.length === 0, `processes still using ${broker.dataDir}: ${leftovers.join(', ')}`);
  assert(!fs.existsSync(broker.dataDir), `temp data dir ${broker.dataDir} was not removed`);
  await broker.stop(); // idempotent
}

const watchdog = setTimeout(() => {
  console.error(`smoke: timed out after ${TIMEOUT_MS} ms`);
  process.exit(1); // local-broker's exit hook SIGKILLs the JVM
}, TIMEOUT_MS);

main().then(
  () => {
    clearTimeout(watchdog);
    console.log(`smoke: OK ${JSON.stringify(timings)}`);
  },
  (err) => {
    console.error(`smoke: FAILED ${err.stack || err}`);
    process.exit(1);
  },
);
