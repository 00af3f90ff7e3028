import type { Message, RecordMetadata } from 'kafkajs';
import { unacknowledgedPartitions } from './acknowledgements';

const ack = (partition: number, extra: Partial<RecordMetadata> = {}): RecordMetadata => ({
  topicName: 't',
  partition,
  errorCode: 0,
  baseOffset: '0',
  ...extra,
});

describe('unacknowledgedPartitions', () => {
  const messages: Message[] = [{ value: 'a' }, { value: 'b' }, { value: 'c' }];
  const partitionOf = new WeakMap<Message, number>([
    [messages[0], 0],
    [messages[1], 2],
    [messages[2], 0],
  ]);

  it('is empty when every partition written to is acknowledged', () => {
    expect(unacknowledgedPartitions('t', messages, partitionOf, [ack(2), ack(0)])).toEqual([]);
  });

  it('names a partition missing from the acknowledgement', () => {
    expect(unacknowledgedPartitions('t', messages, partitionOf, [ack(0)])).toEqual([2]);
  });

  it('does not count an answer with an error, without an offset, or for another topic', () => {
    const answers = [
      ack(0, { errorCode: 6 }),
      ack(2, { baseOffset: undefined }),
      ack(0, { topicName: 'other' }),
    ];
    expect(unacknowledgedPartitions('t', messages, partitionOf, answers)).toEqual([0, 2]);
  });

  it('counts a message the partitioner never saw as not acknowledged', () => {
    expect(unacknowledgedPartitions('t', [{ value: 'x' }], partitionOf, [ack(0)])).toEqual([-1]);
  });
});
