/** Per partition (the key), a number of messages the topic is known to hold: offsets below it exist. */
export type PartitionEnds = Record<string, string>;

export interface PartitionLoss {
  partition: number;
  /** Messages the relay knows the partition held (it had them acknowledged). */
  published: string;
  /** Where the partition ends now. */
  found: string;
}

/** The topic holds fewer messages than the relay had published to it: it was deleted or recreated. */
export interface TopicLoss {
  topic: string;
  detectedAt: string;
  partitions: PartitionLoss[];
}

/**
 * Partitions whose end went backwards: an end offset never decreases while a topic lives (retention
 * and deleteRecords move its start, not its end), so a smaller one means the topic was replaced.
 * A partition missing from `found` has no messages (the topic is gone or has fewer partitions).
 */
export function partitionsBehind(published: PartitionEnds, found: PartitionEnds): PartitionLoss[] {
  return Object.entries(published)
    .filter(([partition, end]) => BigInt(found[partition] ?? '0') < BigInt(end))
    .map(([partition, end]) => ({
      partition: Number(partition),
      published: end,
      found: found[partition] ?? '0',
    }))
    .sort((a, b) => a.partition - b.partition);
}

/** The larger end of each partition. */
export function furthestEnds(a: PartitionEnds, b: PartitionEnds): PartitionEnds {
  const merged = { ...a };
  for (const [partition, end] of Object.entries(b))
    if (merged[partition] === undefined || BigInt(end) > BigInt(merged[partition])) merged[partition] = end;
  return merged;
}
