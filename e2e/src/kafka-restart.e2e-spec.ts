import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, startKafkaBroker, type KafkaBrokerProcess } from '@tally/testing';
import { TestSystem, get, post } from './system';

jest.setTimeout(300_000);

/** Broker outages to survive in a row (KAFKA_RESTARTS for more while chasing a stall). */
const RESTARTS = Number(process.env.KAFKA_RESTARTS ?? 2);
/** Longer than the consumer's session timeout (6 s here), so the group has to be formed again. */
const OUTAGE_MS = Number(process.env.KAFKA_OUTAGE_MS ?? 8_000);

/**
 * The broker is killed (-9) and restarted while deposits keep coming: afterwards both the relay
 * (command service) and the projection consumer (query service) must resume on their own, so a
 * write made after each restart becomes visible on the read API.
 */
describe('Kafka killed and restarted under load', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-kafka-restart-'));
  let broker: KafkaBrokerProcess;
  let system: TestSystem;
  let token: string;

  beforeAll(async () => {
    broker = await startKafkaBroker({ dataDir });
    system = new TestSystem('kafka_restart', { KAFKA_BROKERS: broker.brokers });
    await system.start();
    token = await system.token('restarter');
  });

  afterAll(async () => {
    await system?.stop();
    await broker?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('relays and projects every write again after each restart', async () => {
    const opened = await post(
      system.command.url,
      '/accounts',
      { ownerId: 'restarter', currency: 'EUR' },
      token,
    );
    expect(opened.status).toBe(201);
    const accountId: string = opened.body.accountId;
    let writing = true;
    const load = (async () => {
      while (writing) {
        await post(system.command.url, `/accounts/${accountId}/deposits`, { amount: 1 }, token).catch(
          () => undefined,
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      for (let round = 1; round <= RESTARTS; round++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await broker.kill();
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        await broker.restart();
        const written = await post(
          system.command.url,
          `/accounts/${accountId}/deposits`,
          { amount: 1 },
          token,
        );
        expect(written.status).toBe(200);
        await eventually(
          async () => {
            const read = await get(system.query.url, `/accounts/${accountId}`, token);
            if (read.status !== 200 || read.body.version < written.body.version)
              throw new Error(
                `round ${round}: read side at ${read.body?.version} of ${written.body.version}\n` +
                  `--- command-service\n${system.command.output()}\n--- query-service\n${system.query.output()}`,
              );
          },
          60_000,
          250,
        );
      }
    } finally {
      writing = false;
      await load;
    }
  });
});
