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
 * Only the partitions in `found` are compared (an acknowledgement names only those written to).
 */
export function partitionsBehind(published: PartitionEnds, found: PartitionEnds): PartitionLoss[] {
  return Object.entries(published)
    .filter(([partition, end]) => found[partition] !== undefined && BigInt(found[partition]) < BigInt(end))
    .map(([partition, end]) => ({ partition: Number(partition), published: end, found: found[partition] }))
    .sort((a, b) => a.partition - b.partition);
}

/** A topic that is gone: every partition known ends at 0. */
export const emptied = (published: PartitionEnds): PartitionEnds =>
  Object.fromEntries(Object.keys(published).map((partition) => [partition, '0']));

/** The larger end of each partition. */
export function furthestEnds(a: PartitionEnds, b: PartitionEnds): PartitionEnds {
  const merged = { ...a };
  for (const [partition, end] of Object.entries(b))
    if (merged[partition] === undefined || BigInt(end) > BigInt(merged[partition])) merged[partition] = end;
  return merged;
}
