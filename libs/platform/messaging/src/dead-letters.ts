import { randomBytes } from 'node:crypto';
import { encodeEvent, type EventEnvelope } from '@tally/contracts';
import { Partitioners, type Admin, type IHeaders, type Kafka, type KafkaMessage } from 'kafkajs';
import { DeadLetterHeaders } from './dead-letter-publisher';
import { deadLetterTopicOf } from './topics';

export interface DeadLetterRecord {
  /** `<partition>:<offset>` in the dead-letter topic: what `redrive` takes. */
  id: string;
  partition: number;
  offset: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  error: string;
  failedAt: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** A dead-letter id that names no letter the topic still holds (never written, or expired). */
export class UnknownDeadLetterError extends Error {
  constructor(
    readonly id: string,
    topic: string,
  ) {
    super(`no dead letter ${id} in ${deadLetterTopicOf(topic)}`);
    this.name = 'UnknownDeadLetterError';
  }
}

/** `<partition>:<offset>`, both plain non-negative integers; undefined for anything else. */
export function parseDeadLetterId(id: string): { partition: number; offset: bigint } | undefined {
  const match = /^(\d{1,9}):(\d{1,19})$/.exec(id);
  return match ? { partition: Number(match[1]), offset: BigInt(match[2]) } : undefined;
}

/** Orders ids as the topic does: by partition, then offset. */
export function compareDeadLetterIds(a: string, b: string): number {
  const [x, y] = [parseDeadLetterId(a), parseDeadLetterId(b)];
  if (!x || !y) throw new Error(`not a dead-letter id: ${!x ? a : b}`);
  return x.partition - y.partition || (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0);
}

/** Per partition of the dead-letter topic: its first offset still held and its end (next offset). */
export interface DeadLetterBounds {
  partition: number;
  low: bigint;
  high: bigint;
}

/** The bounds in the broker's offsets of the dead-letter topic (`admin.fetchTopicOffsets`). */
export const deadLetterBoundsOf = (
  offsets: readonly { partition: number; low: string; high: string }[],
): DeadLetterBounds[] =>
  offsets.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));

/** How many letters the topic holds: those that retention removed are not counted. */
export const deadLetterTotal = (bounds: readonly DeadLetterBounds[]): number =>
  bounds.reduce((sum, b) => sum + Number(b.high - b.low), 0);

/** Tries at reading the bounds while the broker says its leader is not known yet. */
const BOUNDS_ATTEMPTS = 8;

/**
 * The dead-letter topic's bounds, from the broker's offsets alone (no message is read): `high - low`
 * summed is how many letters it holds, those that retention removed not counted.
 */
export async function deadLetterBounds(admin: Admin, topic: string): Promise<DeadLetterBounds[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return deadLetterBoundsOf(await admin.fetchTopicOffsets(deadLetterTopicOf(topic)));
    } catch (error) {
      // Right after the topic was created (or a leader moved) the broker answers "not the leader"
      // for a moment; kafkajs's admin does not retry that for offsets.
      if (!(error as { retriable?: boolean }).retriable || attempt >= BOUNDS_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

const text = (value: IHeaders[string]): string =>
  value === undefined ? '' : Array.isArray(value) ? String(value[0]) : String(value);

const recordOf = (partition: number, message: KafkaMessage): DeadLetterRecord => {
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [name, text(value)]),
  );
  return {
    id: `${partition}:${message.offset}`,
    partition,
    offset: message.offset,
    originalTopic: headers[DeadLetterHeaders.topic] ?? '',
    originalPartition: Number(headers[DeadLetterHeaders.partition] ?? -1),
    originalOffset: headers[DeadLetterHeaders.offset] ?? '',
    error: headers[DeadLetterHeaders.error] ?? '',
    failedAt: headers[DeadLetterHeaders.failedAt] ?? '',
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
};

/**
 * Reads the dead-letter topic of `topic` from its beginning up to where it ends now. kafkajs 2.2
 * cannot read a partition without a consumer group (no manual assignment), so this uses a
 * throwaway group that commits nothing and is deleted afterwards: listing never moves anyone's
 * position. Every listing reads the whole topic: fine for the thousands of letters a healthy
 * system holds (about a second per 10 MB on a laptop), slow for millions; dead letters are
 * expected to be few, and `KAFKA_DEAD_LETTER_RETENTION_MS` bounds them.
 */
export async function listDeadLetters(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<DeadLetterRecord[]> {
  const dlq = deadLetterTopicOf(topic);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `tally-dead-letters-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    const ends = new Map(
      (await deadLetterBounds(admin, topic))
        .filter((p) => p.high > p.low)
        .map((p) => [p.partition, p.high - 1n]),
    );
    const records: DeadLetterRecord[] = [];
    if (ends.size === 0) return records;
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${dlq} timed out`)), timeoutMs);
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined || BigInt(message.offset) > end) return;
            records.push(recordOf(partition, message));
            if (BigInt(message.offset) === end) ends.delete(partition);
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return records.sort((a, b) => compareDeadLetterIds(a.id, b.id));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Reads one dead letter by its id, without reading the rest: a throwaway group (see
 * listDeadLetters) that starts every partition at its end and seeks the letter's partition to its
 * offset. Throws UnknownDeadLetterError if the topic does not hold it (any more).
 */
export async function readDeadLetter(
  kafka: Kafka,
  topic: string,
  id: string,
  timeoutMs = 30_000,
): Promise<DeadLetterRecord> {
  const dlq = deadLetterTopicOf(topic);
  const at = parseDeadLetterId(id);
  if (!at) throw new UnknownDeadLetterError(id, topic);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `tally-dead-letters-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    const bounds = (await deadLetterBounds(admin, topic)).find((p) => p.partition === at.partition);
    if (!bounds || at.offset < bounds.low || at.offset >= bounds.high)
      throw new UnknownDeadLetterError(id, topic);
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: false });
    const found = new Promise<DeadLetterRecord | undefined>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${dlq} timed out`)), timeoutMs);
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (partition !== at.partition || BigInt(message.offset) < at.offset) return;
            clearTimeout(timer);
            // A later offset first: the letter is gone (retention) between the bounds and the fetch.
            resolve(BigInt(message.offset) === at.offset ? recordOf(partition, message) : undefined);
          },
        })
        .catch(reject);
    });
    // Applied before the partition's first fetch (kafkajs drops what a fetch in flight returns).
    consumer.seek({ topic: dlq, partition: at.partition, offset: at.offset.toString() });
    const letter = await found;
    if (!letter) throw new UnknownDeadLetterError(id, topic);
    return letter;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** A dead letter and the stored event it is a copy of: what a re-drive publishes. */
export interface StoredRedrive {
  letter: DeadLetterRecord;
  event: EventEnvelope;
}

/**
 * Re-drives dead letters by publishing, for each, the event the event store holds (never the letter's
 * own value, which anyone could have written to the topic), to `topic` (the configured event topic,
 * never one named in the letter's headers), keyed by the event's stream so that it lands on its
 * stream's partition. Replays are safe: the read side ignores a version it has already applied, and
 * parked successors are released once it applies.
 */
export async function publishStoredEvents(
  kafka: Kafka,
  topic: string,
  redrives: readonly StoredRedrive[],
): Promise<void> {
  if (redrives.length === 0) return;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The partitioner the relay uses: the same key lands on the same partition as the stream.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: redrives.map(({ letter, event }) => ({
        key: event.streamId,
        value: encodeEvent(event),
        headers: {
          ...Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith('dlq-'))),
          'dlq-redriven-from': `${deadLetterTopicOf(topic)}/${letter.id}`,
        },
      })),
    });
  } finally {
    await producer.disconnect();
  }
}
