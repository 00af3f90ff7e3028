import { randomUUID } from 'node:crypto';
import { accountStreamId } from '@tally/contracts';
import { runMigrations } from '@tally/database';
import { PostgresEventStore, TransactionScope, defaultGroupCommitOptions } from '@tally/event-store';
import { FaultProxy, createTestDatabase, type TestDatabase } from '@tally/testing';
import { isDependencyFailure } from '@tally/http';
import { Pool } from 'pg';
import { CommandTestApp } from '../testing';
import { defaultCommandsOptions } from '../commands-options';
import { writeSideMigrations } from '../write-side-migrations';
import { accountStream } from './account-stream';
import {
  CommandPipeline,
  NotWrittenError,
  OutcomeUnknownError,
  StreamContendedError,
} from './command-pipeline';
import { StreamStateCache } from './stream-state-cache';

jest.setTimeout(60_000);

const countBy = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {});

/** Many clients on one account, through the HTTP stack of two instances on one database. */
describe('a hot stream', () => {
  // Retries only (COMMAND_STREAM_LOCKS=false): the lock, the default, has its own tests below.
  const retrying = { streams: { ...defaultCommandsOptions.streams, lockWhenContended: false } };
  const a = new CommandTestApp('hot_stream', retrying);
  const b = new CommandTestApp('hot_stream', retrying);
  const balanceOf = async (id: string) =>
    (
      await a.query(
        `SELECT coalesce(sum(CASE WHEN event_type LIKE '%.money-withdrawn' OR event_type LIKE '%.transfer-debited'
                  THEN -(data->>'amount')::bigint ELSE (data->>'amount')::bigint END), 0)::int AS balance,
                max(stream_version)::int AS version
         FROM events WHERE stream_id = $1`,
        [accountStreamId(id)],
      )
    )[0];

  beforeAll(async () => {
    await a.start();
    await b.start(a.db);
  });
  afterAll(async () => {
    await b.stop(false);
    await a.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it('takes 50 concurrent withdrawals of 30 from 1,000: exactly 33 accepted, 17 insufficient-funds', async () => {
    const id = await a.openAccount('EUR', 1_000);
    const appends = jest.spyOn(PostgresEventStore.prototype, 'append');
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => a.post(`/accounts/${id}/withdrawals`, { amount: 30 })),
    );
    expect(countBy(answers.map((r) => r.status))).toEqual({ 200: 33, 422: 17 });
    expect(answers.filter((r) => r.status === 422).every((r) => r.body.code === 'insufficient-funds')).toBe(
      true,
    );
    // Every accepted withdrawal has its own version, one after another.
    const versions = answers.filter((r) => r.status === 200).map((r) => r.body.version as number);
    expect(versions.sort((x, y) => x - y)).toEqual(Array.from({ length: 33 }, (_, i) => 3 + i));
    expect(await balanceOf(id)).toEqual({ balance: 10, version: 35 });
    // Commands waiting together went to the store together: far fewer appends than commands.
    expect(appends.mock.calls.length).toBeLessThan(25);
  });

  it('answers every unconditional command from two instances on one stream with 2xx (never 409)', async () => {
    const id = await a.openAccount('EUR');
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).post(`/accounts/${id}/deposits`, { amount: 1 })),
    );
    expect(countBy(answers.map((r) => r.status))).toEqual({ 200: 120 });
    expect(new Set(answers.map((r) => r.body.version)).size).toBe(120);
    expect(await balanceOf(id)).toEqual({ balance: 120, version: 121 });
  });

  it('checks If-Match against the state each command is decided on, inside a batch', async () => {
    const id = await a.openAccount('EUR', 100); // version 2
    const conditional = Array.from({ length: 10 }, () =>
      a.post(`/accounts/${id}/withdrawals`, { amount: 1 }, { 'if-match': '"2"' }),
    );
    const plain = Array.from({ length: 10 }, () => a.post(`/accounts/${id}/deposits`, { amount: 1 }));
    const [conditionalAnswers, plainAnswers] = await Promise.all([
      Promise.all(conditional),
      Promise.all(plain),
    ]);
    // One conditional write sees version 2; the rest see a later version and are refused.
    expect(countBy(conditionalAnswers.map((r) => r.status))).toEqual({ 200: 1, 409: 9 });
    expect(conditionalAnswers.find((r) => r.status === 200)!.body.version).toBe(3);
    for (const refused of conditionalAnswers.filter((r) => r.status === 409))
      expect(refused.body).toMatchObject({ code: 'version-conflict', currentVersion: expect.any(Number) });
    expect(countBy(plainAnswers.map((r) => r.status))).toEqual({ 200: 10 });
    expect(await balanceOf(id)).toEqual({ balance: 109, version: 13 });
  });

  it('replays idempotent requests among a stream of plain ones, appending each key once', async () => {
    const id = await a.openAccount('EUR');
    const keys = Array.from({ length: 5 }, () => randomUUID());
    const requests = Array.from({ length: 40 }, (_, i) =>
      (i % 3 ? a : b).post(
        `/accounts/${id}/deposits`,
        { amount: 1 },
        i % 4 === 0 ? { 'idempotency-key': keys[i % 5] } : {},
      ),
    );
    const answers = await Promise.all(requests);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const keyed = answers.filter((_, i) => i % 4 === 0);
    for (const key of keys) {
      const same = keyed.filter((_, n) => keys[(n * 4) % 5] === key).map((r) => r.body.version);
      expect(new Set(same).size).toBeLessThanOrEqual(1); // one write per key, replayed to every retry
    }
    const distinctKeys = new Set(Array.from({ length: 10 }, (_, n) => keys[(n * 4) % 5])).size;
    const plainCount = 40 - 10;
    expect(await balanceOf(id)).toEqual({
      balance: plainCount + distinctKeys,
      version: 1 + plainCount + distinctKeys,
    });
  });

  it('makes a transfer through a hot account complete while the account is hammered', async () => {
    const hot = await a.openAccount('EUR', 1_000);
    const other = await a.openAccount('EUR', 1_000);
    const started = Date.now();
    const [transfers] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          a.post('/transfers', {
            fromAccountId: i % 2 ? hot : other,
            toAccountId: i % 2 ? other : hot,
            amount: 10,
          }),
        ),
      ),
      Promise.all(Array.from({ length: 100 }, () => b.post(`/accounts/${hot}/deposits`, { amount: 1 }))),
    ]);
    expect(transfers.every((r) => r.status === 202)).toBe(true);
    for (;;) {
      const [{ n }] = await a.query('SELECT count(*)::int AS n FROM transfers_in_flight');
      if (n === 0) break;
      expect(Date.now() - started).toBeLessThan(20_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await balanceOf(hot)).balance + (await balanceOf(other)).balance).toBe(2_100);
  });
});

/** Two instances that take the stream lock after a lost race (COMMAND_STREAM_LOCKS=true): no 409 either. */
describe('a hot stream on two instances that lock it once contended', () => {
  const locking = { streams: { ...defaultCommandsOptions.streams, lockWhenContended: true } };
  const a = new CommandTestApp('hot_stream_lock', locking);
  const b = new CommandTestApp('hot_stream_lock', locking);
  beforeAll(async () => {
    await a.start();
    await b.start(a.db);
  });
  afterAll(async () => {
    await b.stop(false);
    await a.stop();
  });

  it('answers every unconditional command with 2xx, each its own version', async () => {
    const id = await a.openAccount('EUR');
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).post(`/accounts/${id}/deposits`, { amount: 1 })),
    );
    expect(countBy(answers.map((r) => r.status))).toEqual({ 200: 80 });
    expect(new Set(answers.map((r) => r.body.version)).size).toBe(80);
    const [{ n }] = await a.query('SELECT version AS n FROM streams WHERE stream_id = $1', [
      accountStreamId(id),
    ]);
    expect(n).toBe(81);
  });
});

/** The pipeline itself, on a pool that can lose its connections. */
describe('a batched append', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let pool: Pool;
  let pipeline: CommandPipeline;
  const context = { correlationId: 'c', causationId: 'c' };

  beforeAll(async () => {
    db = await createTestDatabase('batched_append');
    await runMigrations(db.url, writeSideMigrations, 'write');
    const url = new URL(db.url);
    proxy = await new FaultProxy(Number(url.port || 5432), url.hostname).listen();
    url.port = String(proxy.port);
    pool = new Pool({ connectionString: url.toString(), max: 4 });
    pool.on('error', () => undefined); // connections cut by the proxy
    pipeline = new CommandPipeline(
      new TransactionScope(pool),
      { snapshotEvery: 100, streams: defaultCommandsOptions.streams },
      new StreamStateCache({ stateCacheSize: 100 }),
      new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
    );
  });
  afterAll(async () => {
    await pool?.end();
    await proxy?.close();
    await db?.drop();
  });
  afterEach(() => jest.restoreAllMocks());

  const open = async (balance: number) => {
    const stream = accountStream(randomUUID());
    const accountId = stream.streamId.replace('account-', '');
    await pipeline.run(stream, { type: 'OpenAccount', accountId, ownerId: 'o', currency: 'EUR' }, context);
    if (balance > 0) await pipeline.run(stream, { type: 'DepositMoney', amount: balance }, context);
    return stream;
  };
  const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

  it('refuses a command in the middle of a batch and writes the others as one append, in order', async () => {
    const stream = await open(10);
    const appends = jest.spyOn(PostgresEventStore.prototype, 'append');
    const outcomes = await settle([
      pipeline.run(stream, { type: 'DepositMoney', amount: 1 }, context), // alone: the queue was idle
      pipeline.run(stream, { type: 'DepositMoney', amount: 2 }, context),
      pipeline.run(stream, { type: 'WithdrawMoney', amount: 1_000 }, context),
      pipeline.run(stream, { type: 'DepositMoney', amount: 3 }, context),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.version : o.reason.code))).toEqual([
      3,
      4,
      'insufficient-funds',
      5,
    ]);
    // The three that were written share at most two appends (the first may have gone alone).
    const written = appends.mock.calls.map(([, , expected, events]) => [expected, events.length]);
    expect(written.length).toBeLessThanOrEqual(2);
    expect(written.reduce((n, [, length]) => n + length, 0)).toBe(3);
    const stored = await new PostgresEventStore(pool).readStream(stream.streamId);
    expect(stored.map((e) => (e.data as { amount?: number }).amount)).toEqual([undefined, 10, 1, 2, 3]);
  });

  it('goes on under the stream lock after losing a race to another instance, then takes turns', async () => {
    // Two instances with COMMAND_STREAM_LOCKS=true.
    const locking = { ...defaultCommandsOptions.streams, lockWhenContended: true };
    const [mine, other] = [0, 1].map(
      () =>
        new CommandPipeline(
          new TransactionScope(pool),
          { snapshotEvery: 100, streams: locking },
          new StreamStateCache({ stateCacheSize: 100 }),
          new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
        ),
    );
    const stream = accountStream(randomUUID());
    const accountId = stream.streamId.replace('account-', '');
    await mine.run(stream, { type: 'OpenAccount', accountId, ownerId: 'o', currency: 'EUR' }, context);
    expect((await other.run(stream, { type: 'DepositMoney', amount: 5 }, context)).version).toBe(2);
    const locked = jest.spyOn(PostgresEventStore.prototype, 'exclusively');
    // Decided on the cached version 1, refused by the store, then decided again under the lock.
    expect((await mine.run(stream, { type: 'DepositMoney', amount: 1 }, context)).version).toBe(3);
    expect(locked).toHaveBeenCalledTimes(1);
    // For a while, the stream's next turns take the lock at once (no doomed optimistic append).
    expect((await mine.run(stream, { type: 'DepositMoney', amount: 1 }, context)).version).toBe(4);
    expect(locked).toHaveBeenCalledTimes(2);
    expect((await other.run(stream, { type: 'WithdrawMoney', amount: 7 }, context)).version).toBe(5);
    const stored = await new PostgresEventStore(pool).readStream(stream.streamId);
    expect(stored.map((e) => (e.data as { amount?: number }).amount)).toEqual([undefined, 5, 1, 1, 7]);
  });

  const storedDeposits = async (stream: { streamId: string }) => {
    const direct = new Pool({ connectionString: db.url, max: 1 });
    const events = await new PostgresEventStore(direct).readStream(stream.streamId);
    await direct.end();
    return events.length - 1;
  };

  it('loses the answer to a committed append: looks it up and tells every caller it was written', async () => {
    const stream = await open(0);
    const dropped = proxy.dropReplyTo(/claimed AS/);
    const outcomes = await settle(
      Array.from({ length: 20 }, () => pipeline.run(stream, { type: 'DepositMoney', amount: 1 }, context)),
    );
    await dropped;
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const versions = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.version : 0));
    expect(new Set(versions).size).toBe(20);
    expect(await storedDeposits(stream)).toBe(20);
    expect(Math.max(...versions)).toBe(21);
  });

  it('loses the answer to the COMMIT of a turn under the stream lock: answers the stored version', async () => {
    const locking = { ...defaultCommandsOptions.streams, lockWhenContended: true };
    const [mine, other] = [0, 1].map(
      () =>
        new CommandPipeline(
          new TransactionScope(pool),
          { snapshotEvery: 100, streams: locking },
          new StreamStateCache({ stateCacheSize: 100 }),
          new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
        ),
    );
    const stream = accountStream(randomUUID());
    const accountId = stream.streamId.replace('account-', '');
    await mine.run(stream, { type: 'OpenAccount', accountId, ownerId: 'o', currency: 'EUR' }, context);
    await other.run(stream, { type: 'DepositMoney', amount: 5 }, context);
    // `mine` loses the race on its cached version 1 and goes on under the lock, in a transaction.
    const dropped = proxy.dropReplyTo(/^Q...\vCOMMIT/s); // the simple-query message COMMIT
    const answer = await mine.run(stream, { type: 'DepositMoney', amount: 1 }, context);
    await dropped;
    expect(answer.version).toBe(3);
    expect(await storedDeposits(stream)).toBe(2);
  });

  it('cannot look the outcome up before the deadline: says it is unknown, in time', async () => {
    const deadlineMs = 1_000;
    const quick = new CommandPipeline(
      new TransactionScope(pool),
      { snapshotEvery: 100, streams: { ...defaultCommandsOptions.streams, deadlineMs } },
      new StreamStateCache({ stateCacheSize: 100 }),
      new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
    );
    const stream = await open(0);
    // The answer to the append is lost, and then the database stays unreachable.
    void proxy.dropReplyTo(/claimed AS/).then(() => {
      proxy.mode = 'refuse';
      proxy.cut();
    });
    const started = Date.now();
    const outcomes = await settle(
      Array.from({ length: 5 }, () => quick.run(stream, { type: 'DepositMoney', amount: 1 }, context)),
    );
    const tookMs = Date.now() - started;
    proxy.mode = 'pass';
    // The turn whose answer was lost is unknown; the commands queued behind it were never sent: told
    // so (the stream's turn or the database failed, 503 with Retry-After). No one is told "written".
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? o.reason : undefined));
    expect(reasons[0]).toBeInstanceOf(OutcomeUnknownError);
    const unknown = reasons.filter((reason) => reason instanceof OutcomeUnknownError).length;
    for (const reason of reasons)
      expect(
        reason instanceof OutcomeUnknownError ||
          reason instanceof StreamContendedError ||
          isDependencyFailure(reason),
      ).toBe(true);
    expect(tookMs).toBeLessThan(deadlineMs + 1_000);
    // They were in fact stored (the server committed; only its answer was lost).
    expect(await storedDeposits(stream)).toBe(unknown);
  });

  it('answers every command within its deadline + 1 s while the database connection stalls', async () => {
    const deadlineMs = 1_000;
    const quick = new CommandPipeline(
      new TransactionScope(pool),
      { snapshotEvery: 100, streams: { ...defaultCommandsOptions.streams, deadlineMs } },
      new StreamStateCache({ stateCacheSize: 100 }),
      new PostgresEventStore(pool, { groupCommit: defaultGroupCommitOptions }),
    );
    const stream = await open(0);
    await quick.load(stream); // cached: the first turn goes straight to its append
    proxy.mode = 'stall'; // connections stay open, nothing is forwarded
    const started = Date.now();
    const outcomes = await settle(
      Array.from({ length: 5 }, () => quick.run(stream, { type: 'DepositMoney', amount: 1 }, context)),
    );
    const tookMs = Date.now() - started;
    proxy.mode = 'pass';
    expect(tookMs).toBeLessThan(deadlineMs + 1_000);
    // The append that was sent may yet commit (its bytes wait in the stalled connection): unknown.
    // The commands never sent were not written, and are told so.
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.value));
    expect(reasons[0]).toBeInstanceOf(OutcomeUnknownError);
    for (const reason of reasons.slice(1)) expect(reason).toBeInstanceOf(StreamContendedError);
  });

  it('loses its connection during a batched append: nothing half-applied, no caller told a lie', async () => {
    const stream = await open(0);
    const original = PostgresEventStore.prototype.append;
    let cut = false;
    jest.spyOn(PostgresEventStore.prototype, 'append').mockImplementation(function (
      this: PostgresEventStore,
      ...args
    ) {
      const appending = original.apply(this, args);
      // The batch (more than one event) is on the wire: cut every connection under it.
      if (!cut && args[3].length > 1) {
        cut = true;
        setImmediate(() => proxy.cut());
      }
      return appending;
    });
    const outcomes = await settle(
      Array.from({ length: 20 }, () => pipeline.run(stream, { type: 'DepositMoney', amount: 1 }, context)),
    );
    expect(cut).toBe(true);
    jest.restoreAllMocks();
    const acknowledged = outcomes.filter((o) => o.status === 'fulfilled').length;
    // Checked on a connection of its own: the pipeline's pool lost all of its.
    const direct = new Pool({ connectionString: db.url, max: 1 });
    const stored = (await new PostgresEventStore(direct).readStream(stream.streamId)).length - 1;
    await direct.end();
    // The batch is all or nothing: every deposit is stored, or only those before the batch.
    expect(stored === 20 || stored < 20 - 1).toBe(true);
    // Every caller is told the truth: the outcome of the cut batch was looked up by its event ids, so
    // exactly what is stored was acknowledged, and whoever was not was told "not written" (503
    // dependency-unavailable over HTTP, safe to retry).
    expect(acknowledged).toBe(stored);
    for (const o of outcomes)
      if (o.status === 'rejected')
        expect(o.reason instanceof NotWrittenError || isDependencyFailure(o.reason)).toBe(true);
    // The cache was dropped with the unknown outcome: the next command decides on the stored state.
    let next;
    for (let attempt = 0; !next; attempt++) {
      next = await pipeline.run(stream, { type: 'DepositMoney', amount: 1 }, context).catch((error) => {
        if (attempt > 5) throw error;
        return undefined; // a dead pooled connection, discarded
      });
    }
    expect(next.version).toBe(stored + 2);
  });
});
