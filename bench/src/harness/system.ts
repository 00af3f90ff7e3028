import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { authConfigFromEnv, mintLocalToken } from '@tally/http';
import { createTestDatabase, startService, type ServiceProcess, type TestDatabase } from '@tally/testing';
import { Pool } from 'pg';
import type { BenchSettings } from '../settings';
import { mapConcurrently } from './http-load';

/** Peak resident set size of a process so far (VmHWM), in MB; undefined once it has exited. */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Both services as processes (as in production and in the e2e tests) on throwaway databases and a
 * topic of their own, shared by the scenarios that go through HTTP (commands, freshness, reads) so
 * that the memory scenario can report each service's peak RSS over all of them.
 */
export class BenchSystem {
  private static shared?: Promise<BenchSystem>;
  command!: ServiceProcess;
  query!: ServiceProcess;
  writeDb!: TestDatabase;
  readDb!: TestDatabase;
  readPool!: Pool;
  readonly accounts: string[] = [];
  /** Bearer token with every scope, for all requests of the load generators. */
  headers: Record<string, string> = {};
  /** Commands/s at the commands scenario's full concurrency, for the freshness scenario's load. */
  peakCommandRate?: number;
  /** Commands/s of the hot-account scenario, for hot-account-2's ratio to one instance. */
  hotAccountRate?: number;
  /** Peak RSS (MB) of work that is over by the time the memory scenario runs (e.g. the rebuild). */
  static readonly otherPeaks: Record<string, number> = {};
  private readonly env: Record<string, string>;

  private constructor(settings: BenchSettings, env: Record<string, string> = {}) {
    const suffix = randomBytes(4).toString('hex');
    this.env = {
      AUTH_HS256_SECRET: randomBytes(32).toString('base64url'),
      // One load generator is one client: the per-client limit would cap the measurement itself.
      RATE_LIMIT_PER_SECOND: '0',
      KAFKA_BROKERS: settings.kafkaBrokers,
      KAFKA_TOPIC: `tally.bench.${suffix}`,
      KAFKA_TOPIC_PARTITIONS: '12',
      KAFKA_GROUP_ID: `tally-bench-${suffix}`,
      // Enough connections for the load generator's 64 concurrent requests.
      WRITE_DATABASE_POOL_SIZE: process.env.WRITE_DATABASE_POOL_SIZE ?? '20',
      READ_DATABASE_POOL_SIZE: process.env.READ_DATABASE_POOL_SIZE ?? '20',
      // BENCH_PROFILE=<dir>: each service writes a V8 CPU profile there when it stops.
      ...(process.env.BENCH_PROFILE
        ? { NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profiler.js')}` }
        : {}),
      ...env,
    };
  }

  static get(settings: BenchSettings): Promise<BenchSystem> {
    return (BenchSystem.shared ??= new BenchSystem(settings).start());
  }

  static async stopShared(): Promise<void> {
    const shared = BenchSystem.shared;
    BenchSystem.shared = undefined;
    await (await shared?.catch(() => undefined))?.stop();
  }

  /**
   * A system of its own (not the shared one): for scenarios that restart the services, or that need
   * them started with `env` on top of the system's own settings.
   */
  static isolated(settings: BenchSettings, env: Record<string, string> = {}): Promise<BenchSystem> {
    return new BenchSystem(settings, env).start();
  }

  /** Stops both services and starts them again with `env` on top of the system's own settings. */
  async restartServices(env: Record<string, string>): Promise<void> {
    await Promise.all([this.command?.stop(), this.query?.stop()]);
    this.command = await startService('command-service', { env: { ...this.env, ...env } });
    this.query = await startService('query-service', { env: { ...this.env, ...env } });
  }

  static recordPeak(name: string, mb: number): void {
    BenchSystem.otherPeaks[name] = Math.max(BenchSystem.otherPeaks[name] ?? 0, mb);
  }

  static get started(): boolean {
    return BenchSystem.shared !== undefined;
  }

  private async start(): Promise<this> {
    [this.writeDb, this.readDb] = await Promise.all([
      createTestDatabase('bench_write'),
      createTestDatabase('bench_read'),
    ]);
    this.env.WRITE_DATABASE_URL = this.writeDb.url;
    this.env.READ_DATABASE_URL = this.readDb.url;
    const token = await mintLocalToken(authConfigFromEnv({ AUTH_HS256_SECRET: this.env.AUTH_HS256_SECRET }), {
      subject: 'bench',
      scopes: ['tally:write', 'tally:read', 'tally:admin'],
      ttlSeconds: 4 * 3_600,
    });
    this.headers = { authorization: `Bearer ${token}` };
    this.command = await startService('command-service', { env: this.env });
    this.query = await startService('query-service', { env: this.env });
    this.readPool = new Pool({ connectionString: this.readDb.url, max: 64 });
    return this;
  }

  /** Opens accounts until there are `count`, and waits until the read side has them all. */
  async ensureAccounts(count: number): Promise<string[]> {
    const missing = count - this.accounts.length;
    if (missing > 0) {
      const opened = await mapConcurrently(Array.from({ length: missing }), 32, async (_, i) => {
        const response = await fetch(`${this.command.url}/accounts`, {
          method: 'POST',
          headers: { ...this.headers, 'content-type': 'application/json' },
          body: JSON.stringify({ ownerId: `owner${i % 500}`, currency: 'EUR' }),
        });
        if (response.status !== 201)
          throw new Error(`open account: ${response.status} ${await response.text()}`);
        return ((await response.json()) as { accountId: string }).accountId;
      });
      this.accounts.push(...opened);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await this.readPool.query('SELECT count(*)::int AS n FROM accounts');
      if (rows[0].n >= this.accounts.length) break;
      if (Date.now() > deadline)
        throw new Error(`read side has ${rows[0].n} of ${this.accounts.length} accounts`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.accounts.slice(0, count);
  }

  /** Another command-service instance on the same write database (stop it when done). */
  startAnotherCommandService(): Promise<ServiceProcess> {
    return startService('command-service', { env: this.env });
  }

  /** Opens one account and deposits `balance` into it. */
  async openFundedAccount(balance: number): Promise<string> {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${this.command.url}${path}`, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { accountId: string };
    };
    const { accountId } = await post('/accounts', { ownerId: 'hot-owner', currency: 'EUR' });
    await post(`/accounts/${accountId}/deposits`, { amount: balance });
    return accountId;
  }

  peaks(): Record<string, number | undefined> {
    return {
      'command-service': peakRssMb(this.command.child.pid),
      'query-service': peakRssMb(this.query.child.pid),
    };
  }

  async stop(): Promise<void> {
    if (process.env.BENCH_PROFILE) {
      for (const service of [this.command, this.query]) service?.child.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await this.readPool?.end();
    await Promise.all([this.command?.stop(), this.query?.stop()]);
    await Promise.all([this.writeDb?.drop(), this.readDb?.drop()]);
  }
}
