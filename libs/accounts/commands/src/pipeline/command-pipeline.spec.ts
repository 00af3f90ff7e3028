import { TransactionScope } from '@tally/event-store';
import { InMemoryEventStore } from '@tally/event-store/testing';
import type { Pool } from 'pg';
import { defaultCommandsOptions } from '../commands-options';
import { accountStream } from './account-stream';
import { CommandPipeline } from './command-pipeline';
import { StreamStateCache } from './stream-state-cache';

/** Deciders plus the pipeline on the in-memory event store: no database, milliseconds per test. */
describe('the command pipeline (in memory)', () => {
  const context = { correlationId: 'c', causationId: 'c' };
  let store: InMemoryEventStore;
  let pipeline: CommandPipeline;
  const opened = async (balance: number) => {
    const accountId = crypto.randomUUID();
    const stream = accountStream(accountId);
    await pipeline.run(stream, { type: 'OpenAccount', accountId, ownerId: 'o', currency: 'EUR' }, context);
    await pipeline.run(stream, { type: 'DepositMoney', amount: balance }, context);
    return stream;
  };

  beforeEach(() => {
    store = new InMemoryEventStore();
    pipeline = new CommandPipeline(
      // Never used for a transaction here: the in-memory store has none.
      new TransactionScope({} as Pool),
      { snapshotEvery: 100, streams: defaultCommandsOptions.streams },
      new StreamStateCache({ stateCacheSize: 100 }),
      store,
    );
  });

  it('decides 50 concurrent withdrawals of 30 from 1,000 one after another: 33 written, 17 refused', async () => {
    const stream = await opened(1_000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => pipeline.run(stream, { type: 'WithdrawMoney', amount: 30 }, context)),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(refused.map((o) => o.reason.code)).toEqual(Array(17).fill('insufficient-funds'));
    expect(await store.streamVersion(stream.streamId)).toBe(35);
    expect((await pipeline.load(stream)).state).toMatchObject({ balance: 10 });
  });

  it('answers a stale If-Match with a version conflict and writes the others of its turn', async () => {
    const stream = await opened(10);
    const outcomes = await Promise.allSettled([
      pipeline.run(stream, { type: 'DepositMoney', amount: 1 }, context),
      pipeline.run(stream, { type: 'DepositMoney', amount: 2 }, { ...context, expectedVersion: 2 }),
      pipeline.run(stream, { type: 'DepositMoney', amount: 3 }, context),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.version : o.reason.name))).toEqual([
      3,
      'VersionConflictError',
      4,
    ]);
  });

  it('decides again on the stored state when another writer moved the stream', async () => {
    const stream = await opened(10); // cached at version 2
    await store.append(stream.streamId, 'account', 2, [
      {
        eventId: crypto.randomUUID(),
        type: 'tally.account.money-withdrawn',
        schemaVersion: 1,
        data: { amount: 10 },
        metadata: context,
        occurredAt: new Date(),
      },
    ]);
    await expect(pipeline.run(stream, { type: 'WithdrawMoney', amount: 1 }, context)).rejects.toMatchObject({
      code: 'insufficient-funds',
    });
    expect((await pipeline.run(stream, { type: 'DepositMoney', amount: 5 }, context)).version).toBe(4);
  });
});
