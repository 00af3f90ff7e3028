import { TransactionScope, claimTerm } from '@tally/event-store';
import { eventually } from '@tally/testing';
import { CommandTestApp } from '../testing';
import { CommandPipeline } from '../pipeline/command-pipeline';
import { transferStream } from '../pipeline/transfer-stream';
import { accountStream } from '../pipeline/account-stream';
import { moneyLedger } from './money-conservation';
import { TransferProcessManager } from './transfer-process-manager';
import { TRANSFER_LEADER_LOCK, TransferWorker } from './transfer-worker';
import { TransfersInFlight } from './transfers-in-flight';

jest.setTimeout(60_000);

/** A term of the transfer leader's own, as the test drives transfers by hand (no leader loop). */
const fenceFor = (t: CommandTestApp) => claimTerm(t.pool, TRANSFER_LEADER_LOCK, 'test', 10_000);

const missing = '4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11';

async function expectConserved(t: CommandTestApp) {
  const ledger = await moneyLedger(t.pool);
  expect(ledger.anomalies).toEqual([]);
  expect(ledger.balances + ledger.inFlight).toBe(ledger.deposits - ledger.withdrawals + ledger.adjustments);
  return ledger;
}

describe('transfers, driven by the process manager in the service', () => {
  const t = new CommandTestApp('transfers_live', {
    transfers: { enabled: true, sweepIntervalMs: 100, concurrency: 16 },
  });
  const transferStatus = async (transferId: string) =>
    (await t.app.get(CommandPipeline).load(transferStream(transferId))).state;
  const balance = async (accountId: string) =>
    ((await t.app.get(CommandPipeline).load(accountStream(accountId))).state as { balance: number }).balance;

  beforeAll(() => t.start());
  afterAll(() => t.stop());

  it('accepts a transfer with 202 and moves the money, woken by the request', async () => {
    const [from, to] = [await t.openAccount('EUR', 1_000), await t.openAccount('EUR')];
    const accepted = await t.post('/transfers', { fromAccountId: from, toAccountId: to, amount: 300 });
    expect(accepted).toMatchObject({
      status: 202,
      body: { transferId: expect.any(String), consistencyToken: expect.any(String) },
    });
    await eventually(async () =>
      expect(await transferStatus(accepted.body.transferId)).toMatchObject({ status: 'completed' }),
    );
    expect([await balance(from), await balance(to)]).toEqual([700, 300]);
    expect(await t.app.get(TransfersInFlight).count()).toBe(0);
  });

  it.each([
    ['same-account', (a: string) => ({ fromAccountId: a, toAccountId: a, amount: 1 })],
    ['currency-mismatch', (a: string, usd: string) => ({ fromAccountId: a, toAccountId: usd, amount: 1 })],
    ['account-not-found', (a: string) => ({ fromAccountId: a, toAccountId: missing, amount: 1 })],
    [
      'account-closed',
      (a: string, _: string, closed: string) => ({ fromAccountId: a, toAccountId: closed, amount: 1 }),
    ],
    [
      'insufficient-funds',
      (a: string, _: string, __: string, eur: string) => ({
        fromAccountId: a,
        toAccountId: eur,
        amount: 101,
      }),
    ],
  ])('refuses at once with 422 %s, recording nothing', async (code, body) => {
    const a = await t.openAccount('EUR', 100);
    const usd = await t.openAccount('USD');
    const closed = await t.openAccount('EUR');
    await t.post(`/accounts/${closed}/close`);
    const eur = await t.openAccount('EUR');
    const before = (await t.query("SELECT count(*)::int AS n FROM streams WHERE stream_type = 'transfer'"))[0]
      .n;
    const refused = await t.post('/transfers', body(a, usd, closed, eur));
    expect(refused).toMatchObject({ status: 422, body: { code } });
    expect(
      (await t.query("SELECT count(*)::int AS n FROM streams WHERE stream_type = 'transfer'"))[0].n,
    ).toBe(before);
  });

  it('refunds the source when the target refuses the credit', async () => {
    const [from, to] = [await t.openAccount('EUR', 500), await t.openAccount('EUR')];
    // Hold the worker off while the target closes between the request and the credit.
    await t.app.get(TransferWorker).loop.stop();
    const { transferId } = (await t.post('/transfers', { fromAccountId: from, toAccountId: to, amount: 200 }))
      .body;
    await t.post(`/accounts/${to}/close`);
    await t.app.get(TransferWorker).driveDue(await fenceFor(t));
    expect(await transferStatus(transferId)).toMatchObject({
      status: 'failed',
      reason: 'account-closed',
      refunded: true,
    });
    expect([await balance(from), await balance(to)]).toEqual([500, 0]);
    await expectConserved(t);
  });

  it('keeps money conserved at every instant under many concurrent transfers', async () => {
    const accounts = await Promise.all(Array.from({ length: 6 }, () => t.openAccount('EUR', 1_000)));
    const worker = new TransferWorker(
      {
        connectionString: t.db.url,
        poolSize: 1,
        relay: { enabled: false, batchSize: 1, sweepIntervalMs: 1 },
      },
      { transfers: { enabled: true, sweepIntervalMs: 50, concurrency: 16 } },
      t.app.get(TransferProcessManager),
      t.app.get(TransfersInFlight),
    );
    worker.onApplicationBootstrap();
    let checks = 0;
    let done = false;
    const checker = (async () => {
      while (!done) {
        await expectConserved(t);
        checks++;
      }
    })();
    const requests = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        t.post('/transfers', {
          fromAccountId: accounts[i % 6],
          toAccountId: accounts[(i * 5 + 1) % 6 === i % 6 ? (i + 1) % 6 : (i * 5 + 1) % 6],
          amount: 1 + ((i * 37) % 300),
        }),
      ),
    );
    await eventually(async () => expect(await t.app.get(TransfersInFlight).count()).toBe(0), 30_000);
    done = true;
    await checker;
    await worker.beforeApplicationShutdown();
    expect(requests.filter((r) => r.status === 202).length).toBeGreaterThan(30);
    expect(checks).toBeGreaterThan(3);
    const ledger = await expectConserved(t);
    expect(ledger.inFlight).toBe(0);
    const total = (await Promise.all(accounts.map(balance))).reduce((a, b) => a + b, 0);
    expect(total).toBe(6_000);
  });
});

describe('transfers resume after a crash at any step', () => {
  const t = new CommandTestApp('transfers_crash', {
    transfers: { enabled: false, sweepIntervalMs: 100, concurrency: 1 },
  });
  beforeAll(() => t.start());
  afterAll(() => t.stop());

  /**
   * The real process manager, except that the process "dies" right after its n-th write has
   * committed (each step's write is a stream turn holding its own fenced transaction).
   */
  const dyingAfter = (writes: number) => {
    const pipeline = t.app.get(CommandPipeline);
    let count = 0;
    const dying = {
      load: pipeline.load.bind(pipeline),
      run: pipeline.run.bind(pipeline),
      inTurn: async (...args: Parameters<CommandPipeline['inTurn']>) => {
        const result = await pipeline.inTurn(...args);
        if (++count === writes) throw new Error(`killed after write ${writes}`);
        return result;
      },
    } as unknown as CommandPipeline;
    return new TransferProcessManager(dying, t.app.get(TransactionScope), t.app.get(TransfersInFlight));
  };

  const stateOf = async (stream: ReturnType<typeof transferStream> | ReturnType<typeof accountStream>) =>
    (await t.app.get(CommandPipeline).load(stream as never)).state as Record<string, unknown>;

  // Happy path writes: debit, source-debited, completed. Refund path: debit, source-debited, (credit
  // refused), refund, failed.
  it.each([1, 2, 3])('completes exactly once after dying after write %i', async (writes) => {
    const [from, to] = [await t.openAccount('EUR', 1_000), await t.openAccount('EUR')];
    const { transferId } = (await t.post('/transfers', { fromAccountId: from, toAccountId: to, amount: 400 }))
      .body;
    const [row] = await t.app.get(TransfersInFlight).due(10);

    await expect(dyingAfter(writes).drive(row, await fenceFor(t))).rejects.toThrow('killed');
    await expectConserved(t);
    if (writes === 1) expect((await expectConserved(t)).inFlight).toBe(400); // between debit and credit

    await t.app.get(TransferWorker).driveDue(await fenceFor(t)); // a fresh process manager picks it up
    expect(await stateOf(transferStream(transferId))).toMatchObject({ status: 'completed' });
    expect(await stateOf(accountStream(from))).toMatchObject({ balance: 600 });
    expect(await stateOf(accountStream(to))).toMatchObject({ balance: 400 });
    expect((await expectConserved(t)).inFlight).toBe(0);
    expect(await t.app.get(TransfersInFlight).count()).toBe(0);
  });

  it.each([1, 2, 3, 4])(
    'refunds exactly once after dying after write %i of a refused credit',
    async (writes) => {
      const [from, to] = [await t.openAccount('EUR', 1_000), await t.openAccount('EUR')];
      const { transferId } = (
        await t.post('/transfers', { fromAccountId: from, toAccountId: to, amount: 250 })
      ).body;
      await t.post(`/accounts/${to}/close`);
      const [row] = await t.app.get(TransfersInFlight).due(10);

      await expect(dyingAfter(writes).drive(row, await fenceFor(t))).rejects.toThrow('killed');
      await expectConserved(t);
      await t.app.get(TransferWorker).driveDue(await fenceFor(t));
      expect(await stateOf(transferStream(transferId))).toMatchObject({
        status: 'failed',
        reason: 'account-closed',
        refunded: true,
      });
      expect(await stateOf(accountStream(from))).toMatchObject({ balance: 1_000 });
      const refunds = await t.query(
        "SELECT 1 FROM events WHERE event_type = 'tally.account.transfer-refunded' AND data->>'transferId' = $1",
        [transferId],
      );
      expect(refunds).toHaveLength(1);
      expect((await expectConserved(t)).inFlight).toBe(0);
    },
  );

  it('fails a transfer whose source no longer has the money, without debiting it', async () => {
    const [from, to] = [await t.openAccount('EUR', 100), await t.openAccount('EUR')];
    const { transferId } = (await t.post('/transfers', { fromAccountId: from, toAccountId: to, amount: 100 }))
      .body;
    await t.post(`/accounts/${from}/withdrawals`, { amount: 50 });
    await t.app.get(TransferWorker).driveDue(await fenceFor(t));
    expect(await stateOf(transferStream(transferId))).toMatchObject({
      status: 'failed',
      reason: 'insufficient-funds',
      refunded: false,
    });
    expect(await stateOf(accountStream(from))).toMatchObject({ balance: 50 });
  });

  it('carries the correlation id of the request into every event of the transfer', async () => {
    const [from, to] = [await t.openAccount('EUR', 100), await t.openAccount('EUR')];
    const { transferId } = (
      await t.post(
        '/transfers',
        { fromAccountId: from, toAccountId: to, amount: 10 },
        { 'x-correlation-id': 'tr-42' },
      )
    ).body;
    await t.app.get(TransferWorker).driveDue(await fenceFor(t));
    const events = await t.query(
      "SELECT event_type, metadata FROM events WHERE stream_id = $1 OR data->>'transferId' = $2",
      [`transfer-${transferId}`, transferId],
    );
    expect(events.map((e) => e.event_type).sort()).toEqual([
      'tally.account.transfer-credited',
      'tally.account.transfer-debited',
      'tally.transfer.completed',
      'tally.transfer.requested',
      'tally.transfer.source-debited',
    ]);
    for (const event of events) expect(event.metadata.correlationId).toBe('tr-42');
  });
});
