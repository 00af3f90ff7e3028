import type { Admin, Kafka } from 'kafkajs';

/** Per partition: an offset of the topic. */
export type TopicOffsets = Map<number, bigint>;

/**
 * Where the topic takes over from a replay of the event store. Fetched BEFORE the store's head is
 * read: every message below these offsets was published by the relay from events that were
 * committed (and readable) before it, so the replay holds them all; every event the replay does not
 * hold is published after, at or beyond these offsets. A consumer starting here therefore misses
 * nothing, whatever the topic lost before; what it reads twice, the stream positions drop.
 */
export async function topicEnd(
  admin: Admin,
  topic: string,
): Promise<{ low: TopicOffsets; high: TopicOffsets }> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return {
    low: new Map(offsets.map((p) => [p.partition, BigInt(p.low)])),
    high: new Map(offsets.map((p) => [p.partition, BigInt(p.high)])),
  };
}

/**
 * Makes `groupId` start at `offsets` when it has no committed offset on the topic yet (a new group);
 * a group that has some keeps them (they are at or before `offsets`, and re-reading is harmless).
 * The group must have no running members. Returns whether it set them.
 *
 * Commits as a member that joins, commits and leaves, fetching nothing: kafkajs's `admin.setOffsets`
 * does the same but then waits for a fetch (seconds), which would delay every rebuild's hand-over.
 */
export async function startNewGroupAt(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  topic: string,
  offsets: TopicOffsets,
): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  if (committed?.partitions.some((p) => p.offset !== '-1')) return false;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.connect();
    await consumer.subscribe({ topic });
    // Nothing fetched is used, nor committed (autoCommit off): the member exists only to commit.
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    consumer.pause([{ topic }]);
    await joined;
    await consumer.commitOffsets(
      [...offsets].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })),
    );
    return true;
  } finally {
    await consumer.disconnect();
  }
}
