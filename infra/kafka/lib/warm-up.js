// @ts-check
'use strict';

/** @typedef {import('./types').Log} Log */

/**
 * The first consumer group and the first idempotent producer make a fresh broker do one-time work
 * (create __consumer_offsets, fetch a block of producer ids); meanwhile kafkajs retries with a 300 ms
 * backoff and logs ERRORs that look like real failures in test output. Doing it here, with short
 * retries, is faster and keeps that noise out. kafkajs is optional: without it this is skipped.
 * @param {string[]} brokers
 * @param {{ log: Log, sasl?: import('./types').KafkajsSasl }} options
 * @returns {Promise<boolean>} whether it ran to the end
 */
async function primeCoordinators(brokers, { log, sasl }) {
  /** @type {typeof import('kafkajs')} */
  let kafkajs;
  try {
    kafkajs = require('kafkajs');
  } catch {
    return false;
  }
  const retry = { retries: 30, initialRetryTime: 50, maxRetryTime: 500 };
  const kafka = new kafkajs.Kafka({
    clientId: 'tally-local-broker',
    brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    retry,
    ...(sasl ? { sasl } : {}),
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  try {
    await Promise.all([
      admin.connect().then(() => admin.describeGroups(['tally-local-broker-warmup'])), // FindCoordinator creates __consumer_offsets
      producer.connect(), // idempotent: InitProducerId
    ]);
    return true;
  } catch (err) {
    log(`[kafka] warm-up failed, continuing (clients will retry): ${/** @type {Error} */ (err).message}`);
    return false;
  } finally {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  }
}

module.exports = { primeCoordinators };
