import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { accountStreamId } from '@tally/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPIC, type ChaosSystem } from './chaos-system';
import { sleep } from './workload';

const distApp = (tool: string) =>
  path.resolve(__dirname, '../../../dist/apps/query-service/src', `${tool}.js`);

interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * What an operator does during the run, through the tools an operator has (`npm run dead-letters`,
 * `npm run rebuild`), each a process of its own with the query service's environment.
 */
export class OperatorActions {
  constructor(private readonly system: ChaosSystem) {}

  /**
   * A message that is not an event arrives on the topic with a real account's key and is dead-lettered;
   * the operator then "corrects" it by re-driving a made-up deposit at the account's next version. The
   * store never had that deposit: a sound system refuses it (the operator marks the letter handled
   * instead), and the checker compares the account's read rows with the fold of the store. The account
   * should be one nobody else writes to (a fresh one), or its next real event may take that version first.
   */
  async redrivePoisonedMessage(accountId: string): Promise<string> {
    const streamId = accountStreamId(accountId);
    const marker = `chaos-poison-${randomUUID()}`;
    await this.produce(streamId, JSON.stringify({ poison: marker }));
    const letterId = await this.waitForLetter(streamId, marker);
    const version = await this.storedVersion(streamId);
    const corrected = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tally-chaos-redrive-')), 'fixed.json');
    fs.writeFileSync(
      corrected,
      JSON.stringify({
        eventId: randomUUID(),
        type: 'tally.account.money-deposited',
        schemaVersion: 2,
        streamId,
        streamVersion: version + 1,
        occurredAt: new Date().toISOString(),
        data: { amount: 1_000_000, source: 'api' },
        metadata: { correlationId: marker, causationId: marker },
      }),
    );
    try {
      const redrive = await this.tool('dead-letters', [
        'redrive',
        letterId,
        '--value-file',
        corrected,
        '--by',
        'chaos',
      ]);
      if (redrive.code === 0)
        return `${letterId}: corrected re-drive ACCEPTED (a deposit the store never had)`;
      const handled = await this.tool('dead-letters', [
        'handled',
        letterId,
        '--by',
        'chaos',
        '--note',
        'not an event',
      ]);
      if (handled.code !== 0) throw new Error(`marking ${letterId} handled failed: ${handled.stderr.trim()}`);
      return `${letterId}: corrected re-drive refused (${firstLine(redrive.stderr)}), marked handled`;
    } finally {
      fs.rmSync(path.dirname(corrected), { recursive: true, force: true });
    }
  }

  /** A rebuild of the read tables from the store while the query services run; returns its outcome. */
  async rebuild(): Promise<string> {
    const run = await this.tool('rebuild', ['--json'], 600_000);
    if (run.code !== 0) throw new Error(`rebuild exited ${run.code}: ${firstLine(run.stderr)}`);
    return 'rebuild swapped in';
  }

  private async produce(key: string, value: string): Promise<void> {
    const producer = new Kafka({
      clientId: 'chaos-operator',
      brokers: this.system.brokers.split(','),
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ key, value }] });
    } finally {
      await producer.disconnect();
    }
  }

  private async waitForLetter(streamId: string, marker: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const list = await this.tool('dead-letters', ['list', '--key', streamId, '--unhandled', '--json']);
      if (list.code === 0) {
        const page = JSON.parse(list.stdout) as { items: { id: string; value?: string }[] };
        const letter = page.items.find((l) => l.value?.includes(marker));
        if (letter) return letter.id;
      }
      if (Date.now() > deadline)
        throw new Error(`the poisoned message for ${streamId} was never dead-lettered`);
      await sleep(1_000);
    }
  }

  private async storedVersion(streamId: string): Promise<number> {
    const db = new Client({ connectionString: this.system.writeDbUrl, connectionTimeoutMillis: 5_000 });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
      return Number(rows[0]?.version ?? 0);
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  private tool(name: string, args: string[], timeoutMs = 60_000): Promise<ToolRun> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [distApp(name), ...args],
        { env: { ...process.env, ...this.system.operatorEnv() }, timeout: timeoutMs, maxBuffer: 64 << 20 },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
    });
  }
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
