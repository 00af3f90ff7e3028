import { randomUUID } from 'node:crypto';
import type { SeededRandom } from '@tally/testing';
import { HttpStats, httpRequest } from './http-stats';
import { RequestHistory } from './request-history';

export type CommandKind = 'open' | 'deposit' | 'withdraw' | 'close' | 'transfer' | 'adjust';
export type Outcome = 'acknowledged' | 'rejected' | 'failed';

/** One logical command as a careful client issues it: one Idempotency-Key and body for all attempts. */
export interface CommandRecord {
  seq: number;
  client: number; // -1: a recovery probe, not part of the workload figures
  kind: CommandKind;
  path: string;
  body: Record<string, unknown>;
  key: string;
  correlationId: string;
  accountId?: string;
  toAccountId?: string;
  amount?: number;
  attempts: number;
  /**
   * Answers 409 to this command. The workload never sends If-Match, so each one is a conflict the
   * server should have resolved itself (must be 0).
   */
  conflicts: number;
  outcome?: Outcome;
  status?: number;
  code?: string;
  replayed?: boolean;
  /** From the acknowledged response. */
  version?: number;
  /** When the acknowledgement arrived (ms since the epoch): the cluster profile's longest gap between acknowledgements. */
  acknowledgedAt?: number;
  transferId?: string;
}

/** A service instance the workload may send to, by the name the fault injector knows it by. */
export interface Endpoint {
  name: string;
  url: string;
}

export interface Account {
  accountId: string;
  currency: string;
  client: number;
}

const MAX_ATTEMPTS = 40;
/** Accounts every client also writes to: hot streams, where concurrent commands meet. */
const HOT_ACCOUNTS = 3;
/** Share of deposits and withdrawals that go to a hot account instead of one of the client's own. */
const HOT_SHARE = 0.3;
const COMMAND_DEADLINE_MS = 120_000;
const RETRYABLE_CONFLICTS = new Set(['version-conflict']);

/**
 * N clients issuing account commands and transfers, each retrying on network errors, timeouts, 5xx,
 * 429 and version conflicts with the SAME Idempotency-Key and body (bounded attempts, exponential
 * back-off with jitter, honouring Retry-After). Every command and every HTTP answer is recorded.
 * A share of the deposits and withdrawals goes to a few hot accounts that every client writes to.
 */
export class Workload {
  readonly commands: CommandRecord[] = [];
  readonly accounts: Account[] = [];
  /** The first account of each of the first clients, written to by every client. */
  readonly hotAccounts: Account[] = [];
  readonly writeStats = new HttpStats();
  readonly readStats = new HttpStats();
  /** Every request sent, with what its answer told the client. */
  readonly history = new RequestHistory();
  private stopping = false;
  private seq = 0;
  private running: Promise<unknown>[] = [];

  constructor(
    private readonly options: {
      /** The command services; each attempt goes to one at random (a load balancer's choice). */
      commandEndpoints: () => Endpoint[];
      queryEndpoints: () => Endpoint[];
      token: string;
      rng: SeededRandom;
      clients: number;
      accountsPerClient: number;
      runId: string;
    },
  ) {}

  get attempted(): number {
    return this.commands.filter((c) => c.client >= 0).length;
  }

  start(): void {
    for (let client = 0; client < this.options.clients; client++) this.running.push(this.client(client));
    for (let reader = 0; reader < 2; reader++) this.running.push(this.reader());
  }

  /** Stops issuing new commands; resolves when every client has finished the one it was on. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  /** A single command outside the workload (recovery probes): recorded, so the checker sees it too. */
  probeOpen(maxAttempts = MAX_ATTEMPTS): Promise<CommandRecord> {
    return this.execute(
      this.newCommand(-1, 'open', '/accounts', { ownerId: `${this.options.runId}-probe`, currency: 'EUR' }),
      maxAttempts,
    );
  }

  /** An operator's balance adjustment (tally:admin), sent and retried like every command. */
  adjust(account: Account, amount: number, reason: string): Promise<CommandRecord> {
    const path = `/accounts/${account.accountId}/adjustments`;
    return this.execute(this.newCommand(-1, 'adjust', path, { amount, reason }, account.accountId));
  }

  private async client(client: number): Promise<void> {
    const { rng } = this.options;
    const currency = client % 2 === 0 ? 'EUR' : 'USD';
    const ownerId = `${this.options.runId}-owner-${client}`;
    const mine: Account[] = [];
    const open = async () => {
      const record = await this.execute(this.newCommand(client, 'open', '/accounts', { ownerId, currency }));
      if (record.outcome === 'acknowledged') {
        const account = { accountId: record.accountId!, currency, client };
        mine.push(account);
        this.accounts.push(account);
      }
    };
    for (let i = 0; i < this.options.accountsPerClient && !this.stopping; i++) await open();
    if (client < HOT_ACCOUNTS && mine.length > 0) this.hotAccounts.push(mine[0]);
    while (!this.stopping) {
      const roll = rng.next();
      if (mine.length === 0 || roll < 0.03) {
        await open();
        continue;
      }
      const hot = roll < 0.91 && this.hotAccounts.length > 0 && rng.chance(HOT_SHARE);
      const account = hot ? rng.pick(this.hotAccounts) : rng.pick(mine);
      const base = `/accounts/${account.accountId}`;
      if (roll < 0.58) {
        const amount = rng.int(100, 10_000);
        await this.execute(
          this.newCommand(client, 'deposit', `${base}/deposits`, { amount }, account.accountId),
        );
      } else if (roll < 0.91) {
        const amount = rng.int(1, 5_000);
        await this.execute(
          this.newCommand(client, 'withdraw', `${base}/withdrawals`, { amount }, account.accountId),
        );
      } else if (roll < 0.99) {
        // 8 %: the transfer worker drives transfers one at a time (~10/s on a loaded 2-core box); a
        // larger share outruns it and the backlog never drains within the run (see the chaos report).
        const sameCurrency = this.accounts.filter(
          (a) => a.currency === currency && a.accountId !== account.accountId,
        );
        if (sameCurrency.length === 0) continue;
        const to = rng.pick(sameCurrency);
        const amount = rng.int(1, 3_000);
        const record = this.newCommand(
          client,
          'transfer',
          '/transfers',
          { fromAccountId: account.accountId, toAccountId: to.accountId, amount },
          account.accountId,
        );
        record.toAccountId = to.accountId;
        await this.execute(record);
      } else {
        // Rarely succeeds (balance must be zero); a closed account then refuses deposits and credits.
        await this.execute(this.newCommand(client, 'close', `${base}/close`, {}, account.accountId));
      }
    }
  }

  /** Reads from random query instances, without retries: each answer is a degradation sample. */
  private async reader(): Promise<void> {
    const { rng } = this.options;
    while (!this.stopping) {
      const endpoints = this.options.queryEndpoints();
      const known = this.accounts;
      if (endpoints.length === 0 || known.length === 0) {
        await sleep(100);
        continue;
      }
      const endpoint = rng.pick(endpoints);
      const account = rng.pick(known);
      const path = rng.chance(0.8)
        ? `/accounts/${account.accountId}`
        : `/accounts/${account.accountId}/ledger?limit=5`;
      const startedAt = Date.now();
      const outcome = await httpRequest('GET', `${endpoint.url}${path}`, { token: this.options.token });
      this.readStats.record(`GET ${path}`, outcome);
      this.history.record({ method: 'GET', target: endpoint.name, startedAt, ms: outcome.ms }, outcome);
      await sleep(outcome.status === 200 || outcome.status === 404 ? 20 : 200);
    }
  }

  private newCommand(
    client: number,
    kind: CommandKind,
    path: string,
    body: Record<string, unknown>,
    accountId?: string,
  ): CommandRecord {
    const record: CommandRecord = {
      seq: ++this.seq,
      client,
      kind,
      path,
      body,
      key: randomUUID(),
      correlationId: `chaos-${randomUUID()}`,
      accountId,
      amount: typeof body.amount === 'number' ? body.amount : undefined,
      attempts: 0,
      conflicts: 0,
    };
    this.commands.push(record);
    return record;
  }

  private async execute(record: CommandRecord, maxAttempts = MAX_ATTEMPTS): Promise<CommandRecord> {
    const deadline = Date.now() + COMMAND_DEADLINE_MS;
    for (;;) {
      record.attempts++;
      const endpoint = this.options.rng.pick(this.options.commandEndpoints());
      const startedAt = Date.now();
      const outcome = await httpRequest('POST', `${endpoint.url}${record.path}`, {
        token: this.options.token,
        body: record.body,
        headers: { 'idempotency-key': record.key, 'x-correlation-id': record.correlationId },
      });
      this.writeStats.record(`POST ${record.path}`, outcome);
      this.history.record(
        { command: record.seq, method: 'POST', target: endpoint.name, startedAt, ms: outcome.ms },
        outcome,
      );
      record.status = outcome.status;
      record.code = outcome.body?.code;
      if (outcome.status === 409) record.conflicts++;
      if (outcome.status >= 200 && outcome.status < 300) {
        record.outcome = 'acknowledged';
        record.acknowledgedAt = Date.now();
        record.replayed = outcome.headers?.get('idempotent-replayed') === 'true';
        record.version = outcome.body?.version;
        if (record.kind === 'open') record.accountId = outcome.body?.accountId;
        if (record.kind === 'transfer') record.transferId = outcome.body?.transferId;
        return record;
      }
      const retryable =
        outcome.status === 0 ||
        outcome.status >= 500 ||
        outcome.status === 429 ||
        (outcome.status === 409 && RETRYABLE_CONFLICTS.has(record.code ?? ''));
      if (!retryable) {
        record.outcome = 'rejected';
        return record;
      }
      if (record.attempts >= maxAttempts || Date.now() > deadline) {
        record.outcome = 'failed';
        return record;
      }
      const retryAfter = Number(outcome.headers?.get('retry-after') ?? 0) * 1_000;
      const backoff = Math.min(2_000, 50 * 2 ** Math.min(record.attempts, 6));
      await sleep(Math.max(retryAfter, backoff * (0.5 + this.options.rng.next())));
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
