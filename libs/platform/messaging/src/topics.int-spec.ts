import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { topicSettingsFromEnv, type KafkaSettings } from './kafka-config';
import { describeTopic, prepareTopics } from './topics';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'topics-int', brokers, logLevel: logLevel.NOTHING });

const settingsFor = (topic: string, env: NodeJS.ProcessEnv = {}): KafkaSettings => ({
  brokers,
  clientId: 'topics-int',
  topic,
  partitions: 2,
  topics: topicSettingsFromEnv(env),
});

const warnings = () => {
  const lines: string[] = [];
  return { lines, logger: { warn: (_: object, message: string) => lines.push(message) } };
};

/** Creating the topics as configured, and reading back what an existing topic really does. */
describe('topic configuration on the real broker', () => {
  const admin = kafka.admin();
  const created: string[] = [];
  const uniqueTopic = () => {
    const topic = `tally.topics-int.${randomBytes(4).toString('hex')}`;
    created.push(topic, `${topic}.dead-letter`);
    return topic;
  };

  beforeAll(() => admin.connect());
  afterAll(async () => {
    const existing = await admin.listTopics();
    await admin.deleteTopics({ topics: created.filter((t) => existing.includes(t)) });
    await admin.disconnect();
  });

  it('creates the event topic keeping everything and the dead-letter topic for 30 days, and is then content', async () => {
    const topic = uniqueTopic();
    const { lines, logger } = warnings();
    await prepareTopics(kafka, settingsFor(topic), { deadLetter: true, logger });
    expect(lines).toEqual([]);
    expect(await describeTopic(admin, topic)).toEqual({
      replicationFactor: 1,
      config: {
        'retention.ms': '-1',
        'retention.bytes': '-1',
        'cleanup.policy': 'delete',
        'min.insync.replicas': '1',
      },
    });
    expect((await describeTopic(admin, `${topic}.dead-letter`)).config['retention.ms']).toBe(
      String(30 * 86_400_000),
    );
  });

  it('warns about a topic created with the broker defaults, or refuses to start on it when told to', async () => {
    const topic = uniqueTopic();
    // What an administrator's `kafka-topics.sh --create` gives: 7 days, then deleted.
    await admin.createTopics({
      topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '604800000' }] }],
      waitForLeaders: true,
    });
    const { lines, logger } = warnings();
    await prepareTopics(kafka, settingsFor(topic), { deadLetter: false, logger });
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`topic ${topic}: retention\\.ms=604800000 \\(7 days\\)`)),
    ]);

    await expect(
      prepareTopics(kafka, settingsFor(topic, { KAFKA_TOPIC_CONFIG_CHECK: 'refuse' }), {
        deadLetter: false,
        logger,
      }),
    ).rejects.toThrow(/could drop events:\n- topic .*retention\.ms=604800000/);
  });

  it('notices a topic altered after its creation, and fewer copies than required', async () => {
    const topic = uniqueTopic();
    await prepareTopics(kafka, settingsFor(topic), { deadLetter: false, logger: warnings().logger });
    // AlterConfigs replaces the topic's whole configuration: everything else is given again.
    const configEntries = Object.entries({
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'min.insync.replicas': '1',
      'cleanup.policy': 'compact',
    }).map(([name, value]) => ({ name, value }));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }],
    });
    const { lines, logger } = warnings();
    await prepareTopics(
      kafka,
      settingsFor(topic, { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '1' }),
      {
        deadLetter: false,
        logger,
      },
    );
    expect(lines).toEqual([
      expect.stringMatching(/cleanup\.policy=compact/),
      expect.stringMatching(/replication factor 1 < KAFKA_REPLICATION_FACTOR 3/),
    ]);
  });
});
