import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import {
  topicSettingsFromEnv,
  type KafkaLogger,
  type KafkaSettings,
  type TopicSettings,
} from './kafka-config';

const topicSettingsOf = (settings: KafkaSettings): TopicSettings =>
  settings.topics ?? topicSettingsFromEnv({});

/** How long a new topic may take to get a leader for every partition. */
const LEADERS_TIMEOUT_MS = 30_000;

/** What a topic is created with, and what the services require of one that already exists. */
export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Omitted: the broker's default (tests and benchmarks on a throw-away broker). */
  replicationFactor?: number;
  /** Topic-level configuration entries, e.g. `retention.ms`. */
  config?: Record<string, string>;
}

/** The part of an existing topic's configuration that decides whether it can lose events. */
export interface TopicState {
  /** The smallest number of replicas of any partition. */
  replicationFactor: number;
  config: Record<string, string>;
}

/** The configuration entries `topicRisks` reads. */
export const CHECKED_TOPIC_CONFIGS = [
  'retention.ms',
  'retention.bytes',
  'cleanup.policy',
  'min.insync.replicas',
];

/**
 * The event topic keeps every event for ever: the read side, a new replica set and a rebuild may need
 * any of them, and Kafka must never be what decides that history is gone (PostgreSQL holds it too, but
 * replaying from there is the repair, not the plan).
 */
export const eventTopicSpec = (settings: KafkaSettings): TopicSpec => {
  const topics = topicSettingsOf(settings);
  return {
    topic: settings.topic,
    partitions: settings.partitions,
    replicationFactor: topics.replicationFactor,
    config: {
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
      'min.insync.replicas': String(topics.minInsyncReplicas),
    },
  };
};

/** Dead letters are kept long enough to be looked at and re-driven, not for ever. */
export const deadLetterTopicSpec = (settings: KafkaSettings): TopicSpec => {
  const topics = topicSettingsOf(settings);
  return {
    topic: deadLetterTopicOf(settings.topic),
    partitions: settings.partitions,
    replicationFactor: topics.replicationFactor,
    config: {
      'retention.ms': String(topics.deadLetterRetentionMs),
      'cleanup.policy': 'delete',
      'min.insync.replicas': String(topics.minInsyncReplicas),
    },
  };
};

/**
 * Why an existing topic could drop events the read side still needs, one sentence each (none: fine).
 * `keepsEverything`: the event topic, where any finite retention or compaction is a risk; for the
 * dead-letter topic only the durability settings count.
 */
export function topicRisks(
  state: TopicState,
  expected: Pick<TopicSettings, 'replicationFactor' | 'minInsyncReplicas'> & { keepsEverything: boolean },
): string[] {
  const risks: string[] = [];
  const { config } = state;
  if (expected.keepsEverything) {
    const retentionMs = Number(config['retention.ms'] ?? '-1');
    if (retentionMs >= 0)
      risks.push(
        `retention.ms=${retentionMs} (${describeDuration(retentionMs)}): older events are deleted from the topic; set -1`,
      );
    const retentionBytes = Number(config['retention.bytes'] ?? '-1');
    if (retentionBytes >= 0)
      risks.push(`retention.bytes=${retentionBytes}: past that size the oldest events are deleted; set -1`);
    if ((config['cleanup.policy'] ?? 'delete').split(',').includes('compact'))
      risks.push(
        `cleanup.policy=${config['cleanup.policy']}: compaction keeps only the last event of each stream; set delete`,
      );
  }
  if (state.replicationFactor < expected.replicationFactor)
    risks.push(
      `replication factor ${state.replicationFactor} < KAFKA_REPLICATION_FACTOR ${expected.replicationFactor}: ` +
        'losing a broker can lose acknowledged events',
    );
  const minIsr = Number(config['min.insync.replicas'] ?? '1');
  if (minIsr < expected.minInsyncReplicas)
    risks.push(
      `min.insync.replicas=${minIsr} < KAFKA_MIN_INSYNC_REPLICAS ${expected.minInsyncReplicas}: ` +
        'a write can be acknowledged by fewer copies than required',
    );
  return risks;
}

function describeDuration(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 1 ? `${+days.toFixed(1)} days` : `${+(ms / 3_600_000).toFixed(1)} hours`;
}

/**
 * Creates the topic if it is missing and waits until every partition has a leader. Topics are never
 * auto-created by the broker, so a typo in a topic name fails loudly instead of splitting the stream.
 */
export async function ensureTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  options: Pick<TopicSpec, 'replicationFactor' | 'config'> = {},
): Promise<void> {
  await withAdmin(kafka, (admin) => createTopic(admin, { topic, partitions, ...options }));
}

/** Reads the topic's replication factor and the configuration entries that `topicRisks` checks. */
export async function describeTopic(admin: Admin, topic: string): Promise<TopicState> {
  const [{ topics }, described] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [topic] }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: CHECKED_TOPIC_CONFIGS }],
    }),
  ]);
  const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
  const config: Record<string, string> = {};
  for (const entry of described.resources[0]?.configEntries ?? [])
    config[entry.configName] = entry.configValue;
  return { replicationFactor: Math.min(...partitions.map((p) => p.replicas.length)), config };
}

/**
 * What a service does at start-up: creates its topics as configured where missing, then reads their
 * actual configuration (a topic may have been created by someone else, or altered since) and warns
 * about every way it could drop events, or refuses to start with KAFKA_TOPIC_CONFIG_CHECK=refuse.
 */
export async function prepareTopics(
  kafka: Kafka,
  settings: KafkaSettings,
  options: { deadLetter: boolean; logger: Pick<KafkaLogger, 'warn'> },
): Promise<void> {
  const topics = topicSettingsOf(settings);
  const specs = [eventTopicSpec(settings), ...(options.deadLetter ? [deadLetterTopicSpec(settings)] : [])];
  const problems = await withAdmin(kafka, async (admin) => {
    const found: string[] = [];
    for (const spec of specs) {
      await createTopic(admin, spec);
      const state = await describeNewTopic(admin, spec.topic).catch((error: unknown) => {
        if ((error as { type?: string }).type !== 'TOPIC_AUTHORIZATION_FAILED') throw error;
        return undefined; // least privilege without DESCRIBE_CONFIGS: say so rather than fail obscurely
      });
      const risks = state
        ? topicRisks(state, { ...topics, keepsEverything: spec.topic === settings.topic })
        : ["its configuration cannot be read: grant this service's user DESCRIBE_CONFIGS on the topic"];
      found.push(...risks.map((risk) => `topic ${spec.topic}: ${risk}`));
    }
    return found;
  });
  if (problems.length === 0) return;
  const fix =
    'alter the topic (kafka-configs.sh --alter --entity-type topics) or, to accept it, KAFKA_TOPIC_CONFIG_CHECK=warn';
  if (topics.check === 'refuse')
    throw new Error(`Kafka topic configuration could drop events:\n- ${problems.join('\n- ')}\n(${fix})`);
  for (const problem of problems)
    options.logger.warn({ problem }, `Kafka topic configuration could drop events: ${problem}`);
}

/**
 * describeTopic, retried while the broker asked does not know the topic yet: on a cluster a new topic
 * reaches each broker's metadata a moment after its creation.
 */
async function describeNewTopic(admin: Admin, topic: string): Promise<TopicState> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    try {
      return await describeTopic(admin, topic);
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || Date.now() > deadline)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(admin: Admin, spec: TopicSpec): Promise<void> {
  const existing = await admin.listTopics();
  if (!existing.includes(spec.topic)) {
    await admin.createTopics({
      waitForLeaders: false, // kafkajs' default; its wait fails on a node that does not know the topic yet
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          ...(spec.replicationFactor ? { replicationFactor: spec.replicationFactor } : {}),
          ...(spec.config
            ? { configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })) }
            : {}),
        },
      ],
    });
  }
  // Not createTopics' waitForLeaders: on a busy broker the metadata can still answer "unknown
  // topic" for a moment after the creation, which kafkajs does not retry there (it fails the call).
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  while (!(await hasAllLeaders(admin, spec.topic))) {
    if (Date.now() > deadline) throw new Error(`topic ${spec.topic}: partitions without a leader`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function hasAllLeaders(admin: Admin, topic: string): Promise<boolean> {
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const found = topics.find((t) => t.name === topic);
    return !!found && found.partitions.length > 0 && found.partitions.every((p) => p.leader >= 0);
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE') return false;
    throw error;
  }
}

export const deadLetterTopicOf = (topic: string): string => `${topic}.dead-letter`;

/**
 * What an operator runs when the topic lost events the store still has (deleted, recreated, truncated):
 * named by the relay and the read side alike in readiness details and log lines.
 */
export const REPUBLISH_FIX = 'npm run republish -- --from start';
