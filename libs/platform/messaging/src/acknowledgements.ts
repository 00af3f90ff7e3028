import type { Message, RecordMetadata } from 'kafkajs';

/**
 * The partitions a send wrote to that its acknowledgement does not name (with a base offset and no
 * error). kafkajs 2.2.4 can resolve a multi-partition send without ever writing one of its partitions:
 * its retry skips every broker that already answered, even one that has meanwhile become the leader
 * of a partition whose old leader failed (docs/kafka-leader-change.md). Such a send is not done.
 */
export function unacknowledgedPartitions(
  topic: string,
  messages: readonly Message[],
  partitionOf: WeakMap<Message, number>,
  acknowledged: readonly RecordMetadata[],
): number[] {
  const written = new Set<number>();
  for (const message of messages) {
    const partition = partitionOf.get(message);
    // A message the partitioner never saw was never sent: that send is not acknowledged either.
    written.add(partition ?? -1);
  }
  for (const record of acknowledged)
    if (record.topicName === topic && record.errorCode === 0 && record.baseOffset !== undefined)
      written.delete(record.partition);
  return [...written].sort((a, b) => a - b);
}

/** A send that resolved without an acknowledgement for every partition it wrote to. */
export class PartitionsNotAcknowledgedError extends Error {
  readonly type = 'PARTITIONS_NOT_ACKNOWLEDGED';

  constructor(
    readonly topic: string,
    readonly partitions: number[],
  ) {
    super(
      `the send to ${topic} resolved without an acknowledgement for partition(s) ${partitions.join(', ')} ` +
        '(kafkajs skipped them on a retry after a leader change): the events are published again',
    );
    this.name = 'PartitionsNotAcknowledgedError';
  }
}
