import type { Kafka } from 'kafkajs';

/** How long a new topic may take to get a leader for every partition. */
const LEADERS_TIMEOUT_MS = 30_000;

/**
 * Creates the topic if it is missing and waits until every partition has a leader. Topics are never
 * auto-created by the broker, so a typo in a topic name fails loudly instead of splitting the stream.
 */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    }
    // Not createTopics' waitForLeaders: on a busy broker the metadata can still answer "unknown
    // topic" for a moment after the creation, which kafkajs does not retry there (it fails the call).
    const deadline = Date.now() + LEADERS_TIMEOUT_MS;
    while (!(await hasAllLeaders(admin, topic))) {
      if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions without a leader`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

async function hasAllLeaders(admin: ReturnType<Kafka['admin']>, topic: string): Promise<boolean> {
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
