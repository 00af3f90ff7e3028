import { Scope } from '@tally/http';
import { testAuthHeader } from '@tally/testing';
import { CommandTestApp } from '../testing';
import { moneyLedger } from '../transfer-process/money-conservation';

jest.setTimeout(30_000);

/** POST /accounts/:id/adjustments: an operator's correction, appended like every other command. */
describe('balance adjustments (tally:admin)', () => {
  const t = new CommandTestApp('adjust_balance', {
    transfers: { enabled: false, sweepIntervalMs: 1_000, concurrency: 1 },
  });
  let admin: Record<string, string>;
  const reason = 'Reverses the duplicate deposit of incident OPS-1';
  const eventsOf = (accountId: string) =>
    t.query('SELECT stream_version, event_type, data, metadata FROM events WHERE stream_id = $1 ORDER BY 1', [
      `account-${accountId}`,
    ]);

  beforeAll(async () => {
    await t.start();
    admin = await testAuthHeader('operator-ann', [Scope.Admin]);
  });
  afterAll(() => t.stop());

  it('appends a balance-adjusted event with the reason and the operator, counted by conservation', async () => {
    const account = await t.openAccount('EUR', 1_000);
    const before = await moneyLedger(t.pool);
    const removed = await t.post(`/accounts/${account}/adjustments`, { amount: -300, reason }, admin);
    expect(removed).toMatchObject({ status: 200, body: { accountId: account, version: 3 } });
    expect(removed.headers.etag).toBe('"3"');
    const added = await t.post(`/accounts/${account}/adjustments`, { amount: 25, reason: 'goodwill' }, admin);
    expect(added.body.version).toBe(4);
    const events = await eventsOf(account);
    expect(events.slice(2)).toMatchObject([
      {
        event_type: 'tally.account.balance-adjusted',
        data: { amount: -300, reason },
        metadata: { actor: 'operator-ann' },
      },
      { event_type: 'tally.account.balance-adjusted', data: { amount: 25, reason: 'goodwill' } },
    ]);
    const after = await moneyLedger(t.pool);
    expect(after.adjustments - before.adjustments).toBe(-275);
    expect(after.balances + after.inFlight).toBe(after.deposits - after.withdrawals + after.adjustments);
    // The account's own history (the write side's ledger) shows it.
    const history = await t.get(`/accounts/${account}/events`, admin);
    expect(history.body.events.at(-1)).toMatchObject({
      type: 'tally.account.balance-adjusted',
      data: { amount: 25, reason: 'goodwill' },
    });
  });

  it('records each adjustment in the append-only audit trail, in its own transaction', async () => {
    const account = await t.openAccount('EUR', 500);
    await t.post(`/accounts/${account}/adjustments`, { amount: -120, reason }, admin);
    const [row] = await t.query(
      'SELECT actor, action, target, reason, outcome, before, after FROM operator_actions WHERE target = $1',
      [account],
    );
    expect(row).toEqual({
      actor: 'operator-ann',
      action: 'account.adjust',
      target: account,
      reason,
      outcome: 'done',
      before: { version: 2, balance: 500 },
      after: { version: 3, balance: 380, amount: -120 },
    });
    // Never changed or removed, by anyone (the owner included: a trigger refuses it).
    for (const statement of [
      "UPDATE operator_actions SET reason = 'edited'",
      'DELETE FROM operator_actions',
      'TRUNCATE operator_actions',
    ])
      await expect(t.query(statement)).rejects.toThrow(/append-only/);
    // A refused adjustment commits nothing, its audit row neither.
    await t.post(`/accounts/${account}/adjustments`, { amount: -10_000, reason }, admin);
    expect(await t.query('SELECT 1 FROM operator_actions WHERE target = $1', [account])).toHaveLength(1);
  });

  it('refuses what would take the balance below zero, and appends nothing', async () => {
    const account = await t.openAccount('EUR', 100);
    const refused = await t.post(`/accounts/${account}/adjustments`, { amount: -101, reason }, admin);
    expect(refused).toMatchObject({ status: 422, body: { code: 'insufficient-funds' } });
    expect(await eventsOf(account)).toHaveLength(2);
  });

  it.each([
    ['no reason', { amount: 5 }],
    ['an empty reason', { amount: 5, reason: '' }],
    ['a reason too long', { amount: 5, reason: 'x'.repeat(501) }],
    ['an amount of 0', { amount: 0, reason }],
    ['a fractional amount', { amount: -1.5, reason }],
    ['a string amount', { amount: '-5', reason }],
    ['an amount past the limit', { amount: -1_000_000_000_001, reason }],
    ['an unknown field', { amount: 5, reason, balance: 5 }],
  ])('answers 400 for %s', async (_, body) => {
    const account = await t.openAccount('EUR', 100);
    const refused = await t.post(`/accounts/${account}/adjustments`, body, admin);
    expect(refused).toMatchObject({ status: 400, body: { code: 'validation-failed' } });
    expect(await eventsOf(account)).toHaveLength(2);
  });

  it('is for operators only: 403 for an owner acting on their own account, 404 for a missing one', async () => {
    const account = await t.openAccount('EUR', 100);
    const byOwner = await t.post(`/accounts/${account}/adjustments`, { amount: 5, reason });
    expect(byOwner).toMatchObject({ status: 403 });
    const missing = await t.post(
      '/accounts/4b0e7f0c-8f0a-4c57-9a55-0f3f6c1d9b11/adjustments',
      { amount: 5, reason },
      admin,
    );
    expect(missing).toMatchObject({ status: 404, body: { code: 'account-not-found' } });
    expect(await eventsOf(account)).toHaveLength(2);
  });

  it('replays a retry with the same Idempotency-Key instead of adjusting twice', async () => {
    const account = await t.openAccount('EUR', 100);
    const send = () =>
      t.post(
        `/accounts/${account}/adjustments`,
        { amount: 40, reason },
        { ...admin, 'idempotency-key': 'adj-1' },
      );
    const [first, second] = [await send(), await send()];
    expect(second).toMatchObject({ status: 200, body: first.body });
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await eventsOf(account)).toHaveLength(3);
  });
});
