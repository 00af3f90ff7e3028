import path from 'node:path';
import { eventually } from '@tally/testing';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  ResourcePatternTypes,
  logLevel,
  type SASLOptions,
} from 'kafkajs';
import { Client } from 'pg';
import { TestSystem, get, post } from './system';

interface LocalBroker {
  brokers: string;
  stop(): Promise<void>;
}
// infra/kafka is plain CommonJS outside the Nx projects (it runs before anything is built).
const { startBroker } = require(path.resolve(__dirname, '../../infra/kafka/local-broker.js')) as {
  startBroker(options: object): Promise<LocalBroker>;
};

jest.setTimeout(180_000);

const users = { admin: 'admin-secret', 'tally-command': 'command-secret', 'tally-query': 'query-secret' };
const scram = (user: keyof typeof users, password: string = users[user]) => ({
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
  KAFKA_SASL_USERNAME: user,
  KAFKA_SASL_PASSWORD: password,
});

/**
 * Both services as production should run them: each with its own SCRAM user on a broker whose ACLs
 * allow the command service only to produce to the events topic and the query service only to
 * consume it in its group (and to produce dead letters), and each as its own PostgreSQL role.
 */
describe('services with SASL/SCRAM users, Kafka ACLs and least-privilege database roles', () => {
  let broker: LocalBroker;
  const system = new TestSystem('scram', { KAFKA_TOPIC_CONFIG_CHECK: 'refuse' }, { leastPrivilege: true });
  const topic = system.env.KAFKA_TOPIC;
  const deadLetters = `${topic}.dead-letter`;
  const group = system.env.KAFKA_GROUP_ID;

  beforeAll(async () => {
    broker = await startBroker({ scram: { mechanism: 'SCRAM-SHA-256', superUser: 'admin', users } });
    system.env.KAFKA_BROKERS = broker.brokers;
    const admin = new Kafka({
      clientId: 'e2e-scram-admin',
      brokers: [broker.brokers],
      sasl: { mechanism: 'scram-sha-256', username: 'admin', password: users.admin } as SASLOptions,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    // Topics are created by the administrator, as the services would create them: neither service may
    // create anything, and each checks at start-up that the topic keeps what it must (refusing otherwise).
    const keepEverything = [
      { name: 'retention.ms', value: '-1' },
      { name: 'retention.bytes', value: '-1' },
    ];
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 3, configEntries: keepEverything },
        { topic: deadLetters, numPartitions: 3 },
      ],
      waitForLeaders: true,
    });
    const allow = (user: string, type: AclResourceTypes, name: string, operation: AclOperationTypes) => ({
      principal: `User:${user}`,
      resourceType: type,
      resourceName: name,
      operation,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      host: '*',
      permissionType: AclPermissionTypes.ALLOW,
    });
    const { TOPIC, GROUP } = AclResourceTypes;
    const { WRITE, READ, DESCRIBE, DESCRIBE_CONFIGS } = AclOperationTypes;
    await admin.createAcls({
      acl: [
        allow('tally-command', TOPIC, topic, WRITE),
        allow('tally-command', TOPIC, topic, DESCRIBE),
        allow('tally-command', TOPIC, topic, DESCRIBE_CONFIGS),
        allow('tally-query', TOPIC, topic, READ),
        allow('tally-query', TOPIC, topic, DESCRIBE),
        allow('tally-query', TOPIC, topic, DESCRIBE_CONFIGS),
        allow('tally-query', GROUP, group, READ),
        allow('tally-query', TOPIC, deadLetters, WRITE),
        allow('tally-query', TOPIC, deadLetters, DESCRIBE),
        allow('tally-query', TOPIC, deadLetters, DESCRIBE_CONFIGS),
      ],
    });
    await admin.disconnect();
    Object.assign(system.commandEnv, scram('tally-command'));
    Object.assign(system.queryEnv, scram('tally-query'));
    await system.start();
  });

  afterAll(async () => {
    await system.stop();
    await broker?.stop();
  });

  it('carries a deposit from the write API to the read API', async () => {
    const alice = await system.token('alice');
    const opened = await post(system.command.url, '/accounts', { ownerId: 'alice', currency: 'EUR' }, alice);
    expect(opened.status).toBe(201);
    const { accountId } = opened.body;
    expect(
      (await post(system.command.url, `/accounts/${accountId}/deposits`, { amount: 250 }, alice)).status,
    ).toBe(200);
    await eventually(async () =>
      expect((await get(system.query.url, `/accounts/${accountId}`, alice)).body).toMatchObject({
        balance: 250,
        version: 2,
      }),
    );
  });

  it('runs the services as their own database roles', async () => {
    const client = new Client({ connectionString: system.writeDb.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      expect(rows.map((row) => row.usename)).toContain('tally_command');
      expect(rows.map((row) => row.usename)).not.toContain('tally_query');
    } finally {
      await client.end();
    }
  });

  it('does not start a service with a wrong password, nor with the other service’s user', async () => {
    await expect(system.startCommand(scram('tally-command', 'wrong'))).rejects.toThrow(
      /SASL SCRAM SHA256 authentication failed|Authentication failed/i,
    );
    // The command service's user may not read the topic in a group, nor write dead letters.
    await expect(system.startQuery(scram('tally-command'))).rejects.toThrow(/did not become ready/);
  });
});
