import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readModelSnapshot } from '@tally/accounts-read-models/testing';
import { encodeEvent } from '@tally/contracts';
import { eventually, produce } from '@tally/testing';
import { createKafka } from '@tally/messaging';
import { Client } from 'pg';
import { TestSystem, post } from './system';

jest.setTimeout(180_000);

const run = promisify(execFile);
const cli = (name: string) => path.resolve(__dirname, '../../dist/apps/query-service/src', `${name}.js`);

async function snapshotOf(url: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await readModelSnapshot(async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end();
  }
}

describe('read-side operations from the command line', () => {
  const system = new TestSystem('read_ops');
  let admin: string;
  const auth = () => ({ headers: { authorization: `Bearer ${admin}` } });
  beforeAll(async () => {
    await system.start();
    admin = await system.admin();
  });
  afterAll(() => system.stop());

  it('rebuilds the read models while the read API keeps answering, ending equal to the live tables', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++)
      ids.push(
        (await post(system.command.url, '/accounts', { ownerId: 'rebuild', currency: 'EUR' }, admin)).body
          .accountId,
      );
    for (let round = 0; round < 10; round++)
      for (const id of ids) await post(system.command.url, `/accounts/${id}/deposits`, { amount: 10 }, admin);
    await eventually(async () => {
      const portfolio = await fetch(`${system.query.url}/owners/rebuild/portfolio`, auth()).then(
        (r) => r.json() as Promise<any>,
      );
      expect(portfolio.totals[0].balance).toBe(800);
    });
    const before = await snapshotOf(system.readDb.url);

    let reading = true;
    const answers: number[] = [];
    const failures: string[] = [];
    const reader = (async () => {
      while (reading) {
        const response = await fetch(`${system.query.url}/owners/rebuild/portfolio`, auth());
        if (response.status !== 200) failures.push(`${response.status} ${await response.text()}`);
        else answers.push(((await response.json()) as any).totals[0].balance);
      }
    })();
    const { stdout } = await run(process.execPath, [cli('rebuild')], {
      env: { ...process.env, ...system.env },
    });
    reading = false;
    await reader;

    expect(stdout).toMatch(/events applied from \d+ (events|messages) read in [\d.]+ s; swapped in/);
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(5);
    expect(new Set(answers)).toEqual(new Set([800]));
    expect(await snapshotOf(system.readDb.url)).toEqual(before);
    // The live consumers continue on the new tables.
    await post(system.command.url, `/accounts/${ids[0]}/deposits`, { amount: 5 }, admin);
    await eventually(async () =>
      expect(
        (await fetch(`${system.query.url}/accounts/${ids[0]}`, auth()).then((r) => r.json() as Promise<any>))
          .balance,
      ).toBe(105),
    );
  });

  it('lists a dead letter and re-drives it fixed', async () => {
    const kafka = createKafka(
      {
        brokers: system.env.KAFKA_BROKERS.split(','),
        clientId: 'e2e',
        topic: system.env.KAFKA_TOPIC,
        partitions: 3,
      },
      { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    );
    const { accountId } = (
      await post(system.command.url, '/accounts', { ownerId: 'dlq', currency: 'EUR' }, admin)
    ).body;
    const event = {
      eventId: '0d6f5c9e-2c4b-4f7e-9a0b-4f8b3f7d1c11',
      type: 'tally.account.money-deposited',
      schemaVersion: 2,
      streamId: `account-${accountId}`,
      streamVersion: 2,
      occurredAt: new Date().toISOString(),
      data: { amount: 42, source: 'manual' },
      metadata: { correlationId: 'e2e', causationId: 'e2e' },
    };
    await produce(kafka, system.env.KAFKA_TOPIC, [
      { key: event.streamId, value: encodeEvent({ ...event, data: { amount: -42, source: 'manual' } }) },
    ]);
    const env = { ...process.env, ...system.env };
    const listed = await eventually(async () => {
      const { stdout } = await run(process.execPath, [cli('dead-letters'), 'list'], { env });
      expect(stdout).toContain('1 dead letter(s)');
      return stdout;
    });
    expect(listed).toContain('amount must be a positive safe integer');
    const id = listed.split('\t')[0];
    const fixed = path.join(tmpdir(), `fixed-${accountId}.json`);
    writeFileSync(fixed, encodeEvent(event));
    const { stdout } = await run(
      process.execPath,
      [cli('dead-letters'), 'redrive', id, '--value-file', fixed],
      {
        env,
      },
    );
    expect(stdout).toContain(`re-drove ${id}`);
    await eventually(async () => {
      const ledger = await fetch(`${system.query.url}/accounts/${accountId}/ledger`, auth()).then(
        (r) => r.json() as Promise<any>,
      );
      expect(ledger.items).toMatchObject([{ version: 2, amount: 42, source: 'manual', balanceAfter: 42 }]);
    });
  });
});
