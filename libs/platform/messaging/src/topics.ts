import type { Kafka } from 'kafkajs';

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
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}

export const deadLetterTopicOf = (topic: string): string => `${topic}.dead-letter`;
