import { decodeEvent, type EventEnvelope } from '@tally/contracts';
import { DeadLetterPublisher, type DeadLetter, type KafkaLogger } from '@tally/messaging';
import type { Batch, Kafka } from 'kafkajs';
import type { ChunkProgress } from '../projection-consumer';
import { PrefetchQueue } from './prefetch-queue';
import type { ShadowLoader } from './shadow-loader';

/**
 * 1 MB per partition (kafkajs's default) and room for all 12 in one fetch (the default 10 MB cuts the
 * last ones short). Larger fetches measured no faster: they keep more decoded messages alive, which
 * the young-generation GC then copies.
 */
const FETCH_BYTES_PER_PARTITION = 2 ** 20;
const FETCH_BYTES = 12 * 2 ** 20;
/** About one fetch in hand while the next one is on its way. */
const PREFETCHED_BATCHES = 12;

export interface BulkReplayOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  loader: ShadowLoader;
  /** Awaited after every batch: resolves once few enough rows are on their way to PostgreSQL. */
  drained(): Promise<void>;
  /** Awaited after the last batch, before the offsets are committed: writes everything still held. */
  settle(): Promise<void>;
  /** Each partition's first offset (low watermark). */
  from: ReadonlyMap<number, bigint>;
  /** Replay until every partition has been read up to here (its high watermark at the start). */
  until: ReadonlyMap<number, bigint>;
  logger: KafkaLogger;
  onBatch?(progress: ChunkProgress): void;
  /** Aborting makes the replay reject with the signal's reason at once, and clean up. */
  signal?: AbortSignal;
}

/**
 * The first phase of a rebuild: reads the topic from the beginning up to where it ended when the
 * rebuild started, into the shadow loader, then commits the group's offsets, only after `settle`
 * (the rows are in PostgreSQL), so that the live consumer's path can take over from there. Returns
 * the committed offsets. Invalid messages are dead-lettered, as the live consumer does.
 */
export async function bulkReplay(options: BulkReplayOptions): Promise<Map<number, bigint>> {
  const { kafka, topic, loader, logger } = options;
  const next = new Map(options.from);
  const reached = () => [...options.until].every(([p, end]) => (next.get(p) ?? 0n) >= end);
  if (reached()) return next;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
    maxBytes: FETCH_BYTES,
    maxWaitTimeInMs: 250,
    retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 30 },
  });
  const queue = new PrefetchQueue(PREFETCHED_BATCHES);
  const deadLetters = new DeadLetterPublisher(kafka);
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) queue.fail(payload.error);
  });
  const abort = () => queue.fail(options.signal?.reason as Error);
  options.signal?.addEventListener('abort', abort, { once: true });
  if (options.signal?.aborted) abort();

  const apply = async (batch: Batch) => {
    const events: EventEnvelope[] = [];
    const letters: DeadLetter[] = [];
    for (const message of batch.messages) {
      try {
        events.push(decodeEvent(message.value));
      } catch (error) {
        letters.push({ topic, partition: batch.partition, message, error: error as Error });
      }
    }
    await deadLetters.publish(letters);
    if (letters.length > 0)
      logger.warn(
        { count: letters.length, partition: batch.partition, offsets: letters.map((l) => l.message.offset) },
        'dead-lettered',
      );
    const { applied, parked } = loader.apply(events);
    if (parked > 0)
      logger.warn({ count: parked, partition: batch.partition }, 'events ahead of their stream parked');
    const nextOffset = BigInt(batch.lastOffset()) + 1n;
    // Never backwards: after a rebalance kafkajs re-reads from the last commit (none here), and the
    // loader drops what it has already applied.
    if (nextOffset > (next.get(batch.partition) ?? 0n)) next.set(batch.partition, nextOffset);
    options.onBatch?.({
      partition: batch.partition,
      messages: batch.messages.length,
      applied,
      nextOffset,
      highWatermark: BigInt(batch.highWatermark),
    });
    await options.drained();
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (batch.isEmpty()) return;
        // Moves kafkajs's fetch position on; nothing is committed to the group from here.
        resolveOffset(batch.lastOffset());
        await queue.put(batch, heartbeat);
      },
    });
    while (!reached()) await apply(await queue.take());
    // Batches fetched beyond this point are not applied: stop fetching and drop them.
    consumer.pause([{ topic }]);
    queue.close();
    await options.settle();
    // Committed by this member, still in the group: an admin reset would rejoin it, which is slow.
    await consumer.commitOffsets(
      [...next].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })),
    );
    return next;
  } finally {
    options.signal?.removeEventListener('abort', abort);
    queue.close();
    await consumer.disconnect();
    await deadLetters.close();
  }
}
