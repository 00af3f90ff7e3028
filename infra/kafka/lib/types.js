// @ts-check
'use strict';
/**
 * The shapes shared by the local broker's modules (JSDoc only: this file has no runtime content).
 *
 * @typedef {(line: string) => void} Log
 *
 * @typedef {'SCRAM-SHA-256' | 'SCRAM-SHA-512'} ScramMechanism
 * @typedef {object} ScramOptions SASL/SCRAM on the client listener, with an ACL authorizer.
 * @property {ScramMechanism} mechanism
 * @property {Record<string, string>} users name → password, created when the storage is formatted
 * @property {string} superUser one of `users`: the broker talks to itself as this user
 *
 * @typedef {{ mechanism: 'scram-sha-256', username: string, password: string }
 *   | { mechanism: 'scram-sha-512', username: string, password: string }} KafkajsSasl
 *
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null, error?: Error }} BrokerExit
 *
 * @typedef {Record<string, string | number | boolean>} Properties server.properties entries
 *
 * @typedef {object} StartOptions
 * @property {number} [port] client port; 0 (default) = any free port
 * @property {number} [controllerPort] KRaft controller port; 0 (default) = any free port
 * @property {string} [dataDir] kept across starts; default: a fresh temp dir removed on stop
 * @property {Log} [log]
 * @property {boolean} [fast] JIT tier 1 only (default true): quicker start, slower run
 * @property {number} [timeoutMs] until "Kafka Server started" (default 60 s)
 * @property {boolean} [cds] use (or dump) the class-data archive (default true)
 * @property {boolean} [warmUp] create __consumer_offsets and a producer-id block (default true)
 * @property {Properties} [properties] extra server.properties entries
 * @property {ScramOptions} [scram]
 * @property {{ initial: string, max: string }} [heap] JVM heap (default 128m initial, 512m max)
 *
 * @typedef {object} LocalBroker A running broker process.
 * @property {string} brokers '127.0.0.1:<port>'
 * @property {number} port
 * @property {number} controllerPort
 * @property {number} pid
 * @property {string} dataDir
 * @property {number} startupMs spawn → ready
 * @property {number} [warmUpMs]
 * @property {KafkajsSasl} [sasl] the super user's kafkajs settings (SCRAM brokers only)
 * @property {Promise<BrokerExit>} exited
 * @property {() => Promise<void>} stop SIGTERM, SIGKILL after 15 s; removes an owned temp dir; idempotent
 */

module.exports = {};
