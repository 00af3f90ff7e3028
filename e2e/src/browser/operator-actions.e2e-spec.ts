import { encodeEvent } from '@tally/contracts';
import { createKafka } from '@tally/messaging';
import { eventually, produce, quietLogger } from '@tally/testing';
import { Client } from 'pg';
import { get, post } from '../system';
import { ConsoleSystem } from './console-system';

/**
 * The console's operator actions in a real browser (headless Chromium) against the real system:
 * a message that is not a stored event, sent with a real account's key, becomes a dead letter whose
 * re-drive is refused (the account's rows stay the fold of the store) and which is marked handled; a
 * damaged copy of a stored event is re-driven as stored; a corrected re-drive is refused; every action
 * is on the Audit page. Rebuilds started from the Rebuild page complete, or are cancelled and leave
 * nothing behind.
 */
const t = new ConsoleSystem('actions');
let admin: string;

beforeAll(async () => {
  await t.start();
  admin = await t.admin();
}, 180_000);
afterAll(() => t.stop(), 60_000);

/** A deposit of `amount` as version 2 of the account's stream, straight onto the topic (`eventId`: a stored one's). */
async function poison(
  accountId: string,
  amount: number,
  eventId: string = crypto.randomUUID(),
  streamVersion = 2,
) {
  const kafka = createKafka(
    {
      brokers: t.env.KAFKA_BROKERS.split(','),
      clientId: 'e2e-poison',
      topic: t.env.KAFKA_TOPIC,
      partitions: 3,
    },
    quietLogger,
  );
  const event = {
    eventId,
    type: 'tally.account.money-deposited',
    schemaVersion: 2,
    streamId: `account-${accountId}`,
    streamVersion,
    occurredAt: new Date().toISOString(),
    data: { amount, source: 'manual' },
    metadata: { correlationId: 'e2e-poison', causationId: 'e2e-poison' },
  };
  await produce(kafka, t.env.KAFKA_TOPIC, [{ key: event.streamId, value: encodeEvent(event) }]);
}

async function openAccount(ownerId: string): Promise<string> {
  const opened = await post(t.command.url, '/accounts', { ownerId, currency: 'EUR' }, admin);
  expect(opened.status).toBe(201);
  return opened.body.accountId;
}

// The rebuilds first: the poisoned events below exist only on the topic (not in the event store), so
// a rebuild from the store after them could never catch up with the live tables that applied them.
describe('operator actions in the admin console', () => {
  it('cancels a rebuild from the Rebuild page, leaving no shadow schema and the live tables as they were', async () => {
    const db = new Client({ connectionString: t.readDb.url });
    await db.connect();
    try {
      // A stream the live tables hold further than any event: the rebuild waits to swap until cancelled.
      await db.query(
        `INSERT INTO stream_positions (projector, stream_id, version) VALUES ('accounts', 'account-ghost', 9)`,
      );
      const accountsBefore = (await db.query('SELECT * FROM accounts ORDER BY account_id')).rows;
      const tab = await t.signedIn('rebuild');
      await tab.getByRole('button', { name: 'Start rebuild' }).click();
      const running = tab.getByRole('region', { name: /Rebuild \d+ running/ });
      await running.getByText('swapping in').waitFor({ timeout: 60_000 });
      expect(
        (await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`)).rows,
      ).toHaveLength(1);
      await running.getByRole('button', { name: 'Cancel rebuild' }).click();
      const recent = tab.getByRole('table', { name: 'Latest rebuilds, newest first' });
      await recent.getByText('cancelled').waitFor({ timeout: 60_000 });
      expect(
        (await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`)).rows,
      ).toEqual([]);
      expect((await db.query('SELECT * FROM accounts ORDER BY account_id')).rows).toEqual(accountsBefore);
      await tab.close();
    } finally {
      await db.query(`DELETE FROM stream_positions WHERE stream_id = 'account-ghost'`);
      await db.end();
    }
  }, 120_000);

  it('runs a rebuild started from the Rebuild page to completion', async () => {
    const accountId = await openAccount('rebuild-ui');
    expect(
      (await post(t.command.url, `/accounts/${accountId}/deposits`, { amount: 100 }, admin)).status,
    ).toBe(200);
    await eventually(async () => {
      expect((await get(t.query.url, `/accounts/${accountId}`, admin)).body?.balance).toBe(100);
    }, 30_000);
    const tab = await t.signedIn('rebuild');
    await tab.getByRole('button', { name: 'Start rebuild' }).click();
    await tab
      .getByRole('status')
      .getByText(/Rebuild \d+ started/)
      .waitFor();
    const recent = tab.getByRole('table', { name: 'Latest rebuilds, newest first' });
    await recent.getByText('succeeded').waitFor({ timeout: 90_000 });
    expect(await recent.locator('tbody tr').first().innerText()).toMatch(/succeeded.*swapped in/s);
    await t.screenshot(tab, 'rebuild');
    const started = await get(t.console.url, '/api/rebuild', admin);
    expect(started.body).toMatchObject({
      current: null,
      recent: [{ state: 'succeeded', result: { applied: 2 } }, { state: 'cancelled' }],
    });
    // The swapped-in tables serve.
    expect((await get(t.query.url, `/accounts/${accountId}`, admin)).body).toMatchObject({
      balance: 100,
      version: 2,
    });
    await tab.close();
  }, 120_000);

  it('re-drives only stored events: a non-event is refused and marked handled, a damaged copy re-driven as stored; all audited', async () => {
    const [real, copied] = [await openAccount('dlq-ui'), await openAccount('dlq-ui')];
    for (const account of [real, copied])
      await post(t.command.url, `/accounts/${account}/deposits`, { amount: 100 }, admin);
    // Not an event the store holds, with the real account's key and its next version.
    await poison(real, -42, crypto.randomUUID(), 3);
    // A damaged copy of the stored deposit (its event id), claiming -7 instead of 100.
    const history = await get(t.command.url, `/accounts/${copied}/events`, admin);
    const storedDeposit = history.body.events[1];
    await poison(copied, -7, storedDeposit.eventId);
    await eventually(async () => {
      for (const account of [real, copied]) {
        const listed = await get(t.console.url, `/api/dead-letters?state=unhandled&key=${account}`, admin);
        expect(listed.body.items).toHaveLength(1);
      }
    }, 30_000);

    const tab = await t.signedIn('dead-letters');
    const letters = tab.getByRole('table', { name: 'Dead letters, by id' });
    const details = tab.getByRole('region', { name: /Dead letter \d+:\d+/ });
    const inspect = async (account: string) => {
      await tab.getByLabel('Key contains').fill(account);
      await tab.getByRole('button', { name: 'Apply filters' }).click();
      // The unfiltered list may show first: wait for the filtered one.
      await eventually(async () => expect(await letters.locator('tbody tr').count()).toBe(1), 30_000, 200);
      await letters.getByText(account).waitFor();
      await letters.getByRole('button', { name: /inspect/ }).click();
    };

    await inspect(real);
    await details.getByLabel('Payload').getByText('"amount": -42').waitFor();
    await details.getByLabel(/Note/).fill('not ours: sent by hand');
    await t.screenshot(tab, 'dead-letters');
    await details.getByRole('button', { name: 'Re-drive the stored event' }).click();
    await details
      .getByText(/not a stored event/)
      .first()
      .waitFor();
    await details.getByRole('button', { name: 'Mark handled' }).click();
    await tab
      .getByRole('status')
      .getByText(/handled/)
      .waitFor();
    // The account's read rows are still the fold of the store: balance 100 at version 2.
    expect((await get(t.query.url, `/accounts/${real}`, admin)).body).toMatchObject({
      balance: 100,
      version: 2,
    });
    const streams = await get(t.console.url, `/api/streams/${real}`, admin);
    expect(streams.body.replicaSets.map((r: { check: { matches: boolean } }) => r.check.matches)).toEqual([
      true,
    ]);

    await inspect(copied);
    await details.getByRole('button', { name: 'Re-drive the stored event' }).click();
    await tab
      .getByRole('status')
      .getByText(/its stored event was published/)
      .waitFor();
    await details.getByText('re-driven').waitFor();
    expect((await get(t.query.url, `/accounts/${copied}`, admin)).body).toMatchObject({
      balance: 100,
      version: 2,
    });

    // A corrected value is refused, publishing nothing.
    const [copiedLetter] = (await get(t.console.url, `/api/dead-letters?key=${copied}`, admin)).body.items;
    const corrected = await post(
      t.console.url,
      `/api/dead-letters/${copiedLetter.id}/redrive`,
      { value: JSON.stringify({ ...storedDeposit, data: { amount: 1_000_000, source: 'api' } }) },
      admin,
    );
    expect(corrected).toMatchObject({ status: 422, body: { code: 'corrected-redrive-refused' } });
    await tab.close();

    // The Audit page shows every action, newest first, with who, why and the outcome.
    const audit = await t.signedIn('audit');
    const rows = audit.getByRole('table', { name: 'Operator actions, newest first' });
    await rows.getByText('not ours: sent by hand').first().waitFor();
    const text = await rows.innerText();
    expect(text).toContain('dead-letter.handled');
    expect(text).toMatch(/refused: no event in the store/);
    expect(text).toContain('refused: a corrected value');
    expect(text).toContain(storedDeposit.eventId);
    await t.screenshot(audit, 'audit');
    await audit.close();
  }, 120_000);

  it('answers bad input with RFC 9457 problems, never a 500', async () => {
    const problems = [
      await get(t.console.url, '/api/dead-letters?limit=0', admin),
      await get(t.console.url, '/api/dead-letters?state=done&from=yesterday', admin),
      await get(t.console.url, '/api/dead-letters/not-an-id', admin),
      await post(t.console.url, '/api/rebuild', { source: 'somewhere' }, admin),
    ];
    for (const problem of problems) {
      expect(problem.status).toBe(400);
      expect(problem.body).toMatchObject({ code: 'validation-failed', errors: expect.any(Array) });
    }
    expect(problems[1].body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'state']);
    expect(await get(t.console.url, '/api/dead-letters/0:999999', admin)).toMatchObject({
      status: 404,
      body: { code: 'not-found', detail: 'Dead letter 0:999999 does not exist.' },
    });
    expect(await post(t.console.url, '/api/rebuild/cancel', {}, admin)).toMatchObject({
      status: 404,
      body: { code: 'not-found' },
    });
    // A body-less POST is an empty request, not an error.
    const bare = await fetch(`${t.console.url}/api/dead-letters/0:999999/handled`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(bare.status).toBe(404);
    // Owners' tokens are not enough.
    expect((await get(t.console.url, '/api/dead-letters', await t.token('carol'))).status).toBe(403);
  }, 60_000);
});
