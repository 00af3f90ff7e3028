// @ts-check
'use strict';
/** The broker's server.properties: a single-node KRaft broker+controller on loopback, optionally with SCRAM. */

/**
 * @typedef {import('./types').Properties} Properties
 * @typedef {import('./types').ScramOptions} ScramOptions
 * @typedef {import('./types').KafkajsSasl} KafkajsSasl
 */

const NODE_ID = 1;

/**
 * @param {{ port: number, controllerPort: number, logDir: string, scram?: ScramOptions, extra?: Properties }} options
 * @returns {Properties}
 */
function singleNodeProperties({ port, controllerPort, logDir, scram, extra = {} }) {
  const security = scram ? scramProperties(scram, port, controllerPort) : {};
  return {
    'process.roles': 'broker,controller',
    'node.id': NODE_ID,
    'controller.quorum.voters': `${NODE_ID}@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    // One broker: every internal topic must fit on it, and one partition makes the first group join fast.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'default.replication.factor': 1,
    ...commonProperties(),
    ...security,
    ...extra,
  };
}

/** What every local broker shares, single or in a cluster. */
function commonProperties() {
  return {
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Topics are created explicitly (and leaders awaited) so that a typo fails instead of auto-creating.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    // The log cleaner allocates this buffer on the heap at startup; the 128 MB default is a quarter of
    // our heap. 16 MB still cleans hundreds of thousands of keys per pass, far beyond a test's needs.
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
  };
}

/**
 * SASL/SCRAM on the client listener, with KRaft's StandardAuthorizer denying whatever no ACL allows.
 * The broker talks to itself as the super user; the controller listener stays PLAINTEXT on loopback,
 * so its anonymous principal must be a super user too.
 * @param {ScramOptions} scram
 * @param {number} port
 * @param {number} controllerPort
 * @returns {Properties}
 */
function scramProperties(scram, port, controllerPort) {
  const superUser = scram.superUser;
  return {
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': scram.mechanism,
    'sasl.mechanism.inter.broker.protocol': scram.mechanism,
    [`listener.name.sasl_plaintext.${scram.mechanism.toLowerCase()}.sasl.jaas.config`]: `org.apache.kafka.common.security.scram.ScramLoginModule required username="${superUser}" password="${scram.users[superUser]}";`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${superUser};User:ANONYMOUS`,
    'allow.everyone.if.no.acl.found': false,
  };
}

/**
 * kafkajs client settings for the super user of a SCRAM broker.
 * @param {ScramOptions} scram
 * @returns {KafkajsSasl}
 */
function saslOf(scram) {
  const credentials = { username: scram.superUser, password: scram.users[scram.superUser] };
  return scram.mechanism === 'SCRAM-SHA-512'
    ? { mechanism: 'scram-sha-512', ...credentials }
    : { mechanism: 'scram-sha-256', ...credentials };
}

/** @param {Properties} props */
function formatProperties(props) {
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

module.exports = { singleNodeProperties, commonProperties, saslOf, formatProperties, NODE_ID };
