import { execFile, spawn } from 'node:child_process';
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

/** Consumer groups on the test broker whose id ends with `suffix`. */
async function groupsNamed(suffix: string): Promise<string[]> {
  const admin = createKafka(
    {
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      clientId: 'e2e',
      topic: '',
      partitions: 1,
    },
    { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  ).admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.endsWith(suffix));
  } finally {
    await admin.disconnect();
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
      expect(portfolio.totals[0].balance).toBe('800');
    });
    const before = await snapshotOf(system.readDb.url);

    let reading = true;
    const answers: string[] = [];
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

    // Not a terminal: JSON lines, progress then the outcome.
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({
      type: 'result',
      state: 'succeeded',
      result: { retiredSchema: null },
    });
    expect(lines.at(-1).result.applied).toBeGreaterThanOrEqual(88);
    expect(lines.slice(0, -1).every((line) => line.type === 'progress')).toBe(true);
    expect(lines.map((line) => line.phase ?? line.progress.phase)).toEqual(
      expect.arrayContaining(['replaying', 'swapping', 'done']),
    );
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(5);
    expect(new Set(answers)).toEqual(new Set(['800']));
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

  it('cancels a rebuild on SIGINT: no shadow schema, no consumer group, live tables unchanged', async () => {
    const db = new Client({ connectionString: system.readDb.url });
    await db.connect();
    try {
      // A stream the live tables hold further than any event: the rebuild keeps trying to swap
      // (shadow schema and catch-up group both in place) until interrupted.
      await db.query(
        `INSERT INTO stream_positions (projector, stream_id, version) VALUES ('accounts', 'account-sigint', 9)`,
      );
      const before = await snapshotOf(system.readDb.url);
      const child = spawn(process.execPath, [cli('rebuild')], { env: { ...process.env, ...system.env } });
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const lines = () =>
        stdout
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line));
      const id = await eventually(async () => {
        const swapping = lines().find((line) => line.phase === 'swapping' && line.done > 0);
        expect(swapping).toBeDefined();
        const schemas = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname = $1`, [
          `rebuild_${swapping.id}`,
        ]);
        expect(schemas.rows).toHaveLength(1);
        expect(await groupsNamed(`-rebuild-${swapping.id}`)).toHaveLength(1);
        return swapping.id as string;
      }, 60_000);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain(`cancelling: dropping schema rebuild_${id}`);
      expect(lines().at(-1)).toMatchObject({ type: 'result', id, state: 'cancelled', result: null });
      expect(
        (await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`)).rows,
      ).toEqual([]);
      expect(await groupsNamed(`-rebuild-${id}`)).toEqual([]);
      expect(await snapshotOf(system.readDb.url)).toEqual(before);
    } finally {
      await db.query(`DELETE FROM stream_positions WHERE stream_id = 'account-sigint'`);
      await db.end();
    }
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
      const { stdout } = await run(
        process.execPath,
        [cli('dead-letters'), 'list', '--unhandled', '--error', 'positive', '--key', accountId],
        { env },
      );
      expect(stdout).toContain('1 of 1 matching');
      return stdout;
    });
    expect(listed).toContain('amount must be a positive safe integer');
    const id = listed.split('\t')[0];
    const shown = JSON.parse(
      (await run(process.execPath, [cli('dead-letters'), 'show', id, '--json'], { env })).stdout,
    );
    expect(shown).toMatchObject({
      id,
      key: event.streamId,
      mark: null,
      error: expect.stringContaining('amount'),
    });
    expect(JSON.parse(shown.value).data.amount).toBe(-42);
    // Not a stored event (no event has its id, nor its stream and version): refused, exit 4.
    await expect(run(process.execPath, [cli('dead-letters'), 'redrive', id], { env })).rejects.toMatchObject({
      code: 4,
      stderr: expect.stringContaining('is not a stored event'),
    });
    // The money is corrected on the write side; the letter's stream and version now name a stored
    // event, which is what a re-drive publishes (the letter's -42 never reaches the topic).
    const deposited = await post(
      system.command.url,
      `/accounts/${accountId}/deposits`,
      { amount: 42, source: 'manual' },
      admin,
    );
    expect(deposited.body.version).toBe(2);
    const { stdout } = await run(process.execPath, [cli('dead-letters'), 'redrive', id, '--note', 'e2e'], {
      env,
    });
    expect(stdout).toContain(`re-drove ${id}: published the stored event`);
    const audit = JSON.parse(
      (
        await run(
          process.execPath,
          [path.resolve(__dirname, '../../dist/apps/admin-console/src/admin.js'), 'audit', '--json'],
          { env },
        )
      ).stdout,
    );
    expect(audit.actions.filter((a: { target: string }) => a.target === id)).toMatchObject([
      { action: 'dead-letter.redrive', outcome: 'done', reason: 'e2e' },
      { action: 'dead-letter.redrive', outcome: expect.stringMatching(/^refused: /) },
    ]);
    const handled = JSON.parse(
      (await run(process.execPath, [cli('dead-letters'), 'list', '--handled', '--json'], { env })).stdout,
    );
    expect(handled.items).toMatchObject([{ id, mark: { state: 'redriven' } }]);
    const unhandled = await run(process.execPath, [cli('dead-letters'), 'list', '--unhandled'], { env });
    expect(unhandled.stdout).toContain('0 of 0 matching');
    // Clear errors and exit codes: no such letter 3, bad usage 2.
    await expect(
      run(process.execPath, [cli('dead-letters'), 'show', '0:999999'], { env }),
    ).rejects.toMatchObject({
      code: 3,
      stderr: expect.stringContaining('no dead letter 0:999999'),
    });
    await expect(
      run(process.execPath, [cli('dead-letters'), 'list', '--limit', '0'], { env }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('limit must be') });
    await eventually(async () => {
      const ledger = await fetch(`${system.query.url}/accounts/${accountId}/ledger`, auth()).then(
        (r) => r.json() as Promise<any>,
      );
      expect(ledger.items).toMatchObject([{ version: 2, amount: 42, source: 'manual', balanceAfter: 42 }]);
    });
  });
});
