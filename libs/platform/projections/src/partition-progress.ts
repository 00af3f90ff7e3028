import type { EntityManager } from 'typeorm';

/** How far a chunk took one partition: written with the chunk, in its transaction. */
export interface PartitionProgress {
  partition: number;
  /** The next offset to apply: everything before it is applied (or dead-lettered). */
  nextOffset: bigint;
  /** `occurredAt` of the newest event of the chunk on this partition; null when it held none. */
  newestEventAt: string | null;
}

/**
 * Records the progress of a consumer group in the `projection_progress` table: one statement per
 * chunk, whatever the number of partitions in it. The last writer wins, so that a topic recreated
 * from the store (offsets starting again from 0) is followed; two replicas briefly owning the same
 * partition during a rebalance apply the same messages in the same order, so the figure only ever
 * trails for one chunk.
 */
export async function savePartitionProgress(
  tx: EntityManager,
  groupId: string,
  topic: string,
  progress: PartitionProgress[],
): Promise<void> {
  if (progress.length === 0) return;
  await tx.query(
    `INSERT INTO projection_progress AS p (group_id, topic, partition, next_offset, newest_event_at)
     SELECT $1, $2, partition, next_offset, newest_event_at
     FROM unnest($3::int[], $4::bigint[], $5::timestamptz[]) AS c(partition, next_offset, newest_event_at)
     ON CONFLICT (group_id, topic, partition) DO UPDATE SET
       next_offset = excluded.next_offset,
       newest_event_at = COALESCE(excluded.newest_event_at, p.newest_event_at),
       updated_at = now()`,
    [
      groupId,
      topic,
      progress.map((p) => p.partition),
      progress.map((p) => p.nextOffset.toString()),
      progress.map((p) => p.newestEventAt),
    ],
  );
}
