import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { RememberingPartitioner } from './remembering-partitioner';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

describe('RememberingPartitioner', () => {
  it('answers exactly what the default partitioner answers, for repeated keys and other counts', () => {
    const remembering = RememberingPartitioner();
    const fresh = Partitioners.DefaultPartitioner();
    for (const count of [12, 12, 7]) {
      for (let i = 0; i < 2_000; i++) {
        const args = {
          topic: 't',
          partitionMetadata: metadata(count),
          message: { key: `account-${i % 300}`, value: '' },
        };
        expect(remembering(args)).toBe(fresh(args));
      }
    }
  });

  it('keeps an explicit partition', () => {
    const args = {
      topic: 't',
      partitionMetadata: metadata(12),
      message: { key: 'a', partition: 5, value: '' },
    };
    expect(RememberingPartitioner()(args)).toBe(5);
  });
});
