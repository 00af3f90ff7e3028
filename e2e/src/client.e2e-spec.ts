import { randomUUID } from 'node:crypto';
import { createTallyClient, TallyProblemError, type TallyClient } from '@tally/client';
import { TestSystem } from './system';

jest.setTimeout(120_000);

/** @tally/client against both services running as processes, as an application would use it. */
describe('@tally/client against the running system', () => {
  const system = new TestSystem('client');
  const owner = `client-${randomUUID()}`;
  let client: TallyClient;

  beforeAll(async () => {
    await system.start();
    client = createTallyClient({
      commandUrl: system.command.url,
      queryUrl: system.query.url,
      token: () => system.token(owner),
    });
  });

  afterAll(() => system.stop());

  it('opens, deposits and reads the balance back at once in a session (read-your-writes)', async () => {
    const session = client.session();
    const { accountId } = await session.openAccount({ ownerId: owner, currency: 'EUR' });
    await session.depositMoney(accountId, { amount: 2_500 });
    const written = await session.withdrawMoney(accountId, { amount: 1_000 });
    // No polling: the session's reads wait for its last write.
    expect(await session.getAccount(accountId)).toMatchObject({ accountId, balance: 1_500, version: 3 });
    expect(session.consistencyToken).toBe(written.consistencyToken);
    const ledger = await session.getAccountLedger(accountId, { limit: 10 });
    expect(ledger.items.map((entry) => entry.amount)).toEqual([2_500, -1_000]);
  });

  it('sends a write twice with one key and it happens once', async () => {
    const session = client.session();
    const { accountId } = await session.openAccount({ ownerId: owner, currency: 'EUR' });
    const key = randomUUID();
    const first = await session.depositMoney(accountId, { amount: 700 }, { idempotencyKey: key });
    const again = await session.depositMoney(accountId, { amount: 700 }, { idempotencyKey: key });
    expect(again.version).toBe(first.version);
    expect(await session.getAccount(accountId)).toMatchObject({ balance: 700 });
  });

  it("throws the service's problems as typed errors", async () => {
    const { accountId } = await client.openAccount({ ownerId: owner, currency: 'EUR' });
    const refused = await client.withdrawMoney(accountId, { amount: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TallyProblemError);
    expect(refused).toMatchObject({ status: 422, code: 'insufficient-funds' });
    const invalid = await client.depositMoney(accountId, { amount: -5 }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ status: 400, code: 'validation-failed' });
    expect((invalid as TallyProblemError).fields.map((f) => f.field)).toContain('amount');
    const stale = await client
      .depositMoney(accountId, { amount: 5 }, { ifMatch: 7 })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ status: 409, code: 'version-conflict' });
  });

  it('follows a transfer to its end through the read API', async () => {
    const session = client.session();
    const [from, to] = [
      (await session.openAccount({ ownerId: owner, currency: 'EUR' })).accountId,
      (await session.openAccount({ ownerId: owner, currency: 'EUR' })).accountId,
    ];
    await session.depositMoney(from, { amount: 1_000 });
    const { transferId } = await session.requestTransfer({
      fromAccountId: from,
      toAccountId: to,
      amount: 400,
    });
    expect(await session.getTransfer(transferId)).toMatchObject({ transferId, amount: 400 });
  });
});
