import { randomBytes } from 'node:crypto';
import { Partitioners, type IHeaders, type Kafka, type KafkaMessage } from 'kafkajs';
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
 * Reads the dead-letter topic of `topic` from its beginning up to where it ends now. It uses a
 * throwaway consumer group that commits nothing and is deleted afterwards, so listing never moves
 * anyone's position.
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
      (await admin.fetchTopicOffsets(dlq))
        .filter((p) => BigInt(p.high) > BigInt(p.low))
        .map((p) => [p.partition, BigInt(p.high) - 1n]),
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
    return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * Publishes a dead letter back to its original topic, keyed as before (so it lands on its stream's
 * partition), with its original value or a corrected one. Replays are safe: the read side ignores
 * a version it has already applied, and parked successors are released once it applies.
 */
export async function redriveDeadLetter(
  kafka: Kafka,
  topic: string,
  id: string,
  replacementValue?: string,
): Promise<DeadLetterRecord> {
  const letter = (await listDeadLetters(kafka, topic)).find((record) => record.id === id);
  if (!letter) throw new Error(`no dead letter ${id} in ${deadLetterTopicOf(topic)}`);
  const headers = Object.fromEntries(
    Object.entries(letter.headers).filter(([name]) => !name.startsWith('dlq-')),
  );
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The partitioner the relay uses: the same key lands on the same partition as the stream.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    await producer.send({
      topic: letter.originalTopic || topic,
      acks: -1,
      messages: [
        {
          key: letter.key,
          value: replacementValue ?? letter.value,
          headers: { ...headers, 'dlq-redriven-from': `${deadLetterTopicOf(topic)}/${id}` },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
  return letter;
}
