import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

interface LocalBroker {
  brokers: string;
  stop(): Promise<void>;
}
// Plain CommonJS (it runs before anything is built), so it is required, not imported.
const { startBroker, wipeDataDir } = require('./local-broker') as {
  startBroker(options: object): Promise<LocalBroker>;
  wipeDataDir(dir: string): boolean;
};

jest.setTimeout(90_000);

const client = (broker: LocalBroker) =>
  new Kafka({ clientId: 'persistence-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });

/**
 * `npm start`'s broker runs on a data dir that outlives it: a stop and a start on the same dir (and
 * other ports, as after a reboot) serve the same topics, every message from offset 0, and the consumer
 * groups' committed offsets. Only a wipe removes them, and a wipe refuses a dir that is not a broker's.
 */
describe('local broker on a persistent data dir', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-kafka-persist-'));
  const topic = 'tally.events';
  let broker: LocalBroker | undefined;

  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps topics, messages and consumer offsets across a stop and a start, until wiped', async () => {
    broker = await startBroker({ dataDir, log: () => undefined });
    const first = client(broker);
    const admin = first.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const producer = first.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const values = Array.from({ length: 30 }, (_, i) => `event-${i}`);
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => ({ key: `s${i % 7}`, value })),
    });
    await producer.disconnect();
    await admin.setOffsets({ groupId: 'tally-query', topic, partitions: [{ partition: 0, offset: '2' }] });
    await admin.disconnect();
    await broker.stop();

    broker = await startBroker({ dataDir, log: () => undefined });
    const second = client(broker).admin();
    await second.connect();
    try {
      expect(await second.listTopics()).toContain(topic);
      const offsets = await second.fetchTopicOffsets(topic);
      expect(offsets.map((p) => p.low)).toEqual(['0', '0', '0']);
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(values.length);
      const [group] = await second.fetchOffsets({ groupId: 'tally-query', topics: [topic] });
      expect(group.partitions.find((p) => p.partition === 0)?.offset).toBe('2');
    } finally {
      await second.disconnect();
    }
    expect(await readValues(broker, topic, values.length)).toEqual([...values].sort());
    await broker.stop();
    broker = undefined;

    expect(wipeDataDir(dataDir)).toBe(true);
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(wipeDataDir(dataDir)).toBe(false);
  });

  it('refuses to wipe a dir that is not a broker data dir', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-not-kafka-'));
    fs.writeFileSync(path.join(other, 'precious.txt'), 'keep me');
    try {
      expect(() => wipeDataDir(other)).toThrow(/does not look like a Kafka data dir/);
      expect(fs.existsSync(path.join(other, 'precious.txt'))).toBe(true);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

/** Every value on the topic, read from the beginning by a fresh group. */
async function readValues(broker: LocalBroker, topic: string, expected: number): Promise<string[]> {
  const consumer = client(broker).consumer({ groupId: `persistence-check-${process.pid}` });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(String(message.value));
        if (seen.length >= expected) resolve();
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
  clearTimeout(timer);
  await consumer.disconnect();
  return seen.sort();
}
