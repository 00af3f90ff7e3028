import { eventually } from '@tally/testing';
import { TestSystem, get, post } from './system';

jest.setTimeout(180_000);

/** Runs `count` tasks with at most `clients` in flight, like that many clients sending one at a time. */
async function withClients<T>(clients: number, count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const statuses = (answers: { status: number }[]) =>
  answers.reduce<Record<number, number>>(
    (counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
    {},
  );

/** Many clients on one account, over HTTP, against the services as processes. */
describe('a hot account', () => {
  const system = new TestSystem('hot_account', {
    RATE_LIMIT_PER_SECOND: '0',
    TRANSFERS_SWEEP_INTERVAL_MS: '200',
  });
  let token: string;
  const open = async (deposit = 0) => {
    const { body } = await post(
      system.command.url,
      '/accounts',
      { ownerId: 'alice', currency: 'EUR' },
      token,
    );
    if (deposit > 0)
      await post(system.command.url, `/accounts/${body.accountId}/deposits`, { amount: deposit }, token);
    return body.accountId as string;
  };
  const balance = async (accountId: string, consistencyToken?: string) =>
    (
      await get(
        system.query.url,
        `/accounts/${accountId}`,
        token,
        consistencyToken ? { 'x-consistency-token': consistencyToken } : {},
      )
    ).body.balance as number;

  beforeAll(async () => {
    await system.start();
    token = await system.token('alice');
  });
  afterAll(() => system.stop());

  it('answers 1,000 unconditional deposits from 50 clients all with 2xx, and the read side shows 1,000', async () => {
    const id = await open();
    const answers = await withClients(50, 1_000, () =>
      post(system.command.url, `/accounts/${id}/deposits`, { amount: 1 }, token),
    );
    expect(statuses(answers)).toEqual({ 200: 1_000 });
    const last = answers.reduce((a, b) => (a.body.version > b.body.version ? a : b));
    expect(last.body.version).toBe(1_001);
    expect(await balance(id, last.body.consistencyToken)).toBe(1_000);
  });

  it('takes 50 concurrent withdrawals of 30 from 1,000 as 33 accepted and 17 insufficient-funds', async () => {
    const id = await open(1_000);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        post(system.command.url, `/accounts/${id}/withdrawals`, { amount: 30 }, token),
      ),
    );
    expect(statuses(answers)).toEqual({ 200: 33, 422: 17 });
    expect(answers.filter((a) => a.status === 422).map((a) => a.body.code)).toEqual(
      Array(17).fill('insufficient-funds'),
    );
    const last = answers
      .filter((a) => a.status === 200)
      .reduce((a, b) => (a.body.version > b.body.version ? a : b));
    expect(await balance(id, last.body.consistencyToken)).toBe(10);
  });

  it('completes 80 concurrent transfers into and out of one account, money conserved, no retry storm', async () => {
    const hot = await open(10_000);
    const others = [await open(10_000), await open(10_000), await open(10_000), await open(10_000)];
    const transfers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => {
        const other = others[i % others.length];
        const [fromAccountId, toAccountId] = i % 2 ? [hot, other] : [other, hot];
        return post(
          system.command.url,
          '/transfers',
          { fromAccountId, toAccountId, amount: 7 + (i % 5) },
          token,
        );
      }),
    );
    expect(statuses(transfers)).toEqual({ 202: 80 });
    await eventually(
      async () => {
        const states = await Promise.all(
          transfers.map(
            async (t) => (await get(system.query.url, `/transfers/${t.body.transferId}`, token)).body?.status,
          ),
        );
        expect(states.every((s) => s === 'completed')).toBe(true);
      },
      60_000,
      250,
    );
    await eventually(async () => {
      const balances = await Promise.all([hot, ...others].map((id) => balance(id)));
      expect(balances.reduce((a, b) => a + b, 0)).toBe(50_000);
    }, 10_000);
    // The process manager's steps queued with the account's other commands: nothing lost a race.
    expect(system.command.output()).not.toMatch(/will retry|VersionConflict/);
  });
});
