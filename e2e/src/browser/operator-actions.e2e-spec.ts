import { encodeEvent } from '@tally/contracts';
import { createKafka } from '@tally/messaging';
import { eventually, produce, quietLogger } from '@tally/testing';
import { Client } from 'pg';
import { get, post } from '../system';
import { ConsoleSystem } from './console-system';

/**
 * The console's operator actions in a real browser (headless Chromium) against the real system:
 * a poisoned event becomes a dead letter and is re-driven, corrected, from the Dead letters page;
 * rebuilds started from the Rebuild page complete, or are cancelled and leave nothing behind.
 */
const t = new ConsoleSystem('actions');
let admin: string;

beforeAll(async () => {
  await t.start();
  admin = await t.admin();
}, 180_000);
afterAll(() => t.stop(), 60_000);

/** A deposit of `amount` as version 2 of the account's stream, straight onto the topic. */
async function poison(accountId: string, amount: number) {
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
    eventId: crypto.randomUUID(),
    type: 'tally.account.money-deposited',
    schemaVersion: 2,
    streamId: `account-${accountId}`,
    streamVersion: 2,
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

  it('shows a poisoned event as a dead letter and re-drives it corrected; marks another handled', async () => {
    const [fixed, ignored] = [await openAccount('dlq-ui'), await openAccount('dlq-ui')];
    await poison(fixed, -42);
    await poison(ignored, -7);
    await eventually(async () => {
      const listed = await get(t.console.url, `/api/dead-letters?state=unhandled&key=${fixed}`, admin);
      expect(listed.body.items).toHaveLength(1);
    }, 30_000);

    const tab = await t.signedIn('dead-letters');
    await tab.getByLabel('Key contains').fill(fixed);
    await tab.getByRole('button', { name: 'Apply filters' }).click();
    const letters = tab.getByRole('table', { name: 'Dead letters, by id' });
    // The unfiltered list may show first: wait for the filtered one.
    await eventually(async () => expect(await letters.locator('tbody tr').count()).toBe(1), 30_000, 200);
    await letters.getByText(fixed).waitFor();
    await letters.getByText('amount must be a positive safe integer').waitFor();
    await letters.getByRole('button', { name: /inspect/ }).click();
    const details = tab.getByRole('region', { name: /Dead letter \d+:\d+/ });
    await details.getByLabel('Payload').getByText('"amount": -42').waitFor();
    expect(await details.getByRole('table', { name: /Headers of dead letter/ }).innerText()).toContain(
      'dlq-error',
    );
    const corrected = details.getByLabel(/Corrected event/);
    await corrected.fill((await corrected.inputValue()).replace('"amount": -42', '"amount": 42'));
    await details.getByLabel(/Note/).fill('sign fixed by hand');
    await t.screenshot(tab, 'dead-letters');
    await details.getByRole('button', { name: 'Re-drive corrected' }).click();
    await tab
      .getByRole('status')
      .getByText(/with the corrected event/)
      .waitFor();
    await details.getByText('re-driven').waitFor();
    await details.getByText(/sign fixed by hand/).waitFor();
    // Gone from the unhandled list; applied by the read side.
    await letters.waitFor({ state: 'detached' });
    await eventually(async () => {
      const ledger = await get(t.query.url, `/accounts/${fixed}/ledger`, admin);
      expect(ledger.body.items).toMatchObject([{ version: 2, amount: 42, balanceAfter: 42 }]);
    }, 30_000);

    // The other one: nothing to re-drive, marked handled.
    await tab.getByLabel('Key contains').fill(ignored);
    await tab.getByRole('button', { name: 'Apply filters' }).click();
    await letters.getByText(ignored).waitFor();
    await letters.getByRole('button', { name: /inspect/ }).click();
    await details.getByRole('button', { name: 'Mark handled' }).click();
    await tab
      .getByRole('status')
      .getByText(/handled/)
      .waitFor();
    const marked = await get(t.console.url, `/api/dead-letters?state=handled&key=${ignored}`, admin);
    expect(marked.body.items).toMatchObject([{ mark: { state: 'handled', by: expect.any(String) } }]);
    await tab.close();
  }, 120_000);

  it('answers bad input with RFC 9457 problems, never a 500', async () => {
    const problems = [
      await get(t.console.url, '/api/dead-letters?limit=0', admin),
      await get(t.console.url, '/api/dead-letters?state=done&from=yesterday', admin),
      await get(t.console.url, '/api/dead-letters/not-an-id', admin),
      await post(t.console.url, '/api/dead-letters/0:0/redrive', { value: '{"not":"an event"}' }, admin),
      await post(t.console.url, '/api/rebuild', { source: 'somewhere' }, admin),
    ];
    for (const problem of problems) {
      expect(problem.status).toBe(400);
      expect(problem.body).toMatchObject({ code: 'validation-failed', errors: expect.any(Array) });
    }
    expect(problems[1].body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'state']);
    expect(problems[3].body.errors).toEqual([
      {
        field: 'value',
        messages: [expect.stringContaining('value is not an event the read side can apply')],
      },
    ]);
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
