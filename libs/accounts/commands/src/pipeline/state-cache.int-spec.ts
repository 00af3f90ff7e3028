import { PostgresEventStore, TransactionScope, defaultGroupCommitOptions } from '@tally/event-store';
import { accountStream } from './account-stream';
import { CommandPipeline } from './command-pipeline';
import { CommandTestApp } from '../testing';
import { IdempotencyKeys } from '../idempotency/idempotency-keys';
import { defaultCommandsOptions } from '../commands-options';
import { StreamStateCache } from './stream-state-cache';

jest.setTimeout(30_000);

/**
 * Two instances of the write side on one database: each caches the states it wrote, so each one's
 * cache goes stale whenever the other appends. Every answer must be the one the stored stream gives.
 */
describe('the stream state cache, with another instance writing', () => {
  const a = new CommandTestApp('state_cache');
  const b = new CommandTestApp('state_cache');
  const cacheOf = (t: CommandTestApp) => t.app.get(StreamStateCache);
  const streamOf = (id: string) => accountStream(id).streamId;
  /** The stored state, folded without any cache. */
  const stored = async (id: string) =>
    new CommandPipeline(
      new TransactionScope(a.pool),
      { snapshotEvery: 100, streams: defaultCommandsOptions.streams },
      new StreamStateCache({ stateCacheSize: 0 }),
      new PostgresEventStore(a.pool, { groupCommit: defaultGroupCommitOptions }),
    ).load(accountStream(id));
  const loads = () => jest.spyOn(PostgresEventStore.prototype, 'readStreamFromSnapshot');

  beforeAll(async () => {
    await a.start();
    await b.start(a.db);
  });
  afterAll(async () => {
    await b.stop(false);
    await a.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it('decides on the cached state of a stream it wrote last, without loading it', async () => {
    const id = await a.openAccount('EUR', 100);
    expect(cacheOf(a).get(streamOf(id))).toMatchObject({ version: 2, state: { balance: 100 } });
    const spy = loads();
    expect(await a.post(`/accounts/${id}/deposits`, { amount: 5 })).toMatchObject({
      status: 200,
      body: { version: 3 },
    });
    expect(spy).not.toHaveBeenCalled();
    expect(cacheOf(a).get(streamOf(id))).toMatchObject({ version: 3, state: { balance: 105 } });
  });

  it('forgets a stale entry when the append conflicts and decides again on the stored state', async () => {
    const id = await a.openAccount('EUR', 100); // a: version 2 cached
    expect((await b.post(`/accounts/${id}/deposits`, { amount: 10 })).body.version).toBe(3);
    const spy = loads();
    const catchUps = jest.spyOn(PostgresEventStore.prototype, 'readStream');
    expect(await a.post(`/accounts/${id}/deposits`, { amount: 1 })).toMatchObject({
      status: 200,
      body: { version: 4 },
    });
    // The stale entry cost one read of the events it missed, nothing more (no full load).
    expect(spy).not.toHaveBeenCalled();
    expect(catchUps).toHaveBeenCalledTimes(1);
    expect(catchUps).toHaveBeenCalledWith(streamOf(id), 3, expect.any(Number));
    expect(cacheOf(a).get(streamOf(id))).toMatchObject({ version: 4, state: { balance: 111 } });
    expect(await stored(id)).toMatchObject({ version: 4, state: { balance: 111 } });
  });

  it('accepts If-Match with the current version although its cached version is older', async () => {
    const id = await a.openAccount('EUR'); // a: version 1 cached
    await b.post(`/accounts/${id}/deposits`, { amount: 10 });
    const written = await a.post(`/accounts/${id}/deposits`, { amount: 1 }, { 'if-match': '"2"' });
    expect(written).toMatchObject({ status: 200, body: { version: 3 } });
  });

  it('answers a stale If-Match with 409 and the stored version, also when the cache agreed with it', async () => {
    const id = await a.openAccount('EUR'); // a: version 1 cached
    await b.post(`/accounts/${id}/deposits`, { amount: 10 });
    const refused = await a.post(`/accounts/${id}/deposits`, { amount: 1 }, { 'if-match': '"1"' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'version-conflict', currentVersion: 2 } });
    expect(await stored(id)).toMatchObject({ version: 2, state: { balance: 10 } });
  });

  it('never refuses on a cached state: the stored one may allow the command', async () => {
    const id = await a.openAccount('EUR'); // a: balance 0 cached
    await b.post(`/accounts/${id}/deposits`, { amount: 100 });
    const withdrawn = await a.post(`/accounts/${id}/withdrawals`, { amount: 50 });
    expect(withdrawn).toMatchObject({ status: 200, body: { version: 3 } });
    // ...and a refusal the stored state confirms is still a refusal.
    const refused = await a.post(`/accounts/${id}/withdrawals`, { amount: 51 });
    expect(refused).toMatchObject({ status: 422, body: { code: 'insufficient-funds' } });
    expect(await stored(id)).toMatchObject({ version: 3, state: { balance: 50 } });
  });

  it('caches what an idempotent request wrote only once its transaction has committed', async () => {
    const id = await a.openAccount('EUR');
    const keyed = await a.post(`/accounts/${id}/deposits`, { amount: 7 }, { 'idempotency-key': `k-${id}` });
    expect(keyed).toMatchObject({ status: 200, body: { version: 2 } });
    expect(cacheOf(a).get(streamOf(id))).toMatchObject({ version: 2, state: { balance: 7 } });
    expect(await a.post(`/accounts/${id}/deposits`, { amount: 1 })).toMatchObject({ body: { version: 3 } });
    expect(await stored(id)).toMatchObject({ version: 3, state: { balance: 8 } });
  });

  it('caches nothing from an idempotent request whose transaction rolled back', async () => {
    const id = await a.openAccount('EUR', 10); // a: version 2 cached
    // The deposit is written in the transaction, then storing the response fails: all rolls back.
    jest
      .spyOn(IdempotencyKeys.prototype, 'complete')
      .mockRejectedValueOnce(Object.assign(new Error('connection lost'), { code: '08006' }));
    const failed = await a.post(`/accounts/${id}/deposits`, { amount: 5 }, { 'idempotency-key': `r-${id}` });
    expect(failed.status).toBe(503);
    expect(cacheOf(a).get(streamOf(id))?.version ?? 2).toBe(2);
    expect(await a.post(`/accounts/${id}/deposits`, { amount: 1 })).toMatchObject({ body: { version: 3 } });
    expect(await stored(id)).toMatchObject({ version: 3, state: { balance: 11 } });
  });
});
