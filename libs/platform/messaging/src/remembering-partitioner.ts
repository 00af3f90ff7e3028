import { Partitioners, type ICustomPartitioner } from 'kafkajs';
import { LRUCache } from 'lru-cache';

/** Keys remembered per topic and partition count (least recently used ones make room). */
const MAX_KEYS = 50_000;

/**
 * kafkajs' default (Java-compatible murmur2) partitioner, with the partition of each key remembered
 * per topic and partition count. A stream's events all carry its id as the key, so the relay hashed
 * the same few keys over and over: murmur2 was ~8 % of the relay's CPU. The answer is the same
 * partition, always (a changed partition count is a different memory).
 */
export const RememberingPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const memory = new Map<string, LRUCache<string, number>>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (typeof message.key !== 'string' || (message.partition !== undefined && message.partition !== null))
      return partitioner(args);
    const scope = `${topic}/${partitionMetadata.length}`;
    let known = memory.get(scope);
    if (!known) memory.set(scope, (known = new LRUCache({ max: MAX_KEYS })));
    let partition = known.get(message.key);
    if (partition === undefined) known.set(message.key, (partition = partitioner(args)));
    return partition;
  };
};
