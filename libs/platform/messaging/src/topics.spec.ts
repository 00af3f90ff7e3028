import { topicSettingsFromEnv, type KafkaSettings } from './kafka-config';
import { deadLetterTopicSpec, eventTopicSpec, topicRisks } from './topics';

const settings = (env: NodeJS.ProcessEnv = {}): KafkaSettings => ({
  brokers: ['127.0.0.1:9092'],
  clientId: 'test',
  topic: 'tally.events',
  partitions: 12,
  topics: topicSettingsFromEnv(env),
});

const safeEventTopic = {
  replicationFactor: 3,
  config: {
    'retention.ms': '-1',
    'retention.bytes': '-1',
    'cleanup.policy': 'delete',
    'min.insync.replicas': '2',
  },
};
const expected = { replicationFactor: 3, minInsyncReplicas: 2, keepsEverything: true };

describe('topic configuration', () => {
  it('creates the event topic to keep every event, with the configured copies', () => {
    expect(eventTopicSpec(settings({ KAFKA_REPLICATION_FACTOR: '3' }))).toEqual({
      topic: 'tally.events',
      partitions: 12,
      replicationFactor: 3,
      config: {
        'retention.ms': '-1',
        'retention.bytes': '-1',
        'cleanup.policy': 'delete',
        'min.insync.replicas': '2',
      },
    });
  });

  it('keeps dead letters for 30 days unless told otherwise', () => {
    expect(deadLetterTopicSpec(settings()).config).toMatchObject({ 'retention.ms': String(30 * 86_400_000) });
    expect(deadLetterTopicSpec(settings({ KAFKA_DEAD_LETTER_RETENTION_MS: '1000' })).topic).toBe(
      'tally.events.dead-letter',
    );
  });

  it('finds nothing wrong with a topic that keeps everything on enough copies', () =>
    expect(topicRisks(safeEventTopic, expected)).toEqual([]));

  it.each([
    [
      'the broker default retention (7 days)',
      { 'retention.ms': '604800000' },
      /retention\.ms=604800000 \(7 days\)/,
    ],
    ['a size limit', { 'retention.bytes': '1073741824' }, /retention\.bytes=1073741824/],
    ['compaction', { 'cleanup.policy': 'compact' }, /compaction keeps only the last event/],
    ['compaction with deletion', { 'cleanup.policy': 'compact,delete' }, /cleanup\.policy=compact,delete/],
    ['a lower min.insync.replicas', { 'min.insync.replicas': '1' }, /min\.insync\.replicas=1 < .* 2/],
  ])('names %s on the event topic', (_, change, message) => {
    const risks = topicRisks(
      { ...safeEventTopic, config: { ...safeEventTopic.config, ...change } },
      expected,
    );
    expect(risks).toHaveLength(1);
    expect(risks[0]).toMatch(message);
  });

  it('names fewer replicas than KAFKA_REPLICATION_FACTOR', () =>
    expect(topicRisks({ ...safeEventTopic, replicationFactor: 1 }, expected)).toEqual([
      expect.stringMatching(/replication factor 1 < KAFKA_REPLICATION_FACTOR 3/),
    ]));

  it('accepts a finite retention on the dead-letter topic, not too few copies', () => {
    const deadLetters = {
      replicationFactor: 3,
      config: { 'retention.ms': '2592000000', 'min.insync.replicas': '2' },
    };
    expect(topicRisks(deadLetters, { ...expected, keepsEverything: false })).toEqual([]);
    expect(
      topicRisks({ ...deadLetters, replicationFactor: 2 }, { ...expected, keepsEverything: false }),
    ).toHaveLength(1);
  });
});
