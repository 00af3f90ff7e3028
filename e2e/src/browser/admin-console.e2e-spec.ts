import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually } from '@tally/testing';
import { get, post } from '../system';
import { ConsoleSystem } from './console-system';

/**
 * The admin console in a real browser (headless Chromium) against the real system: both services
 * and the console as processes, on throwaway databases and topic.
 */
const t = new ConsoleSystem('console');
let token: string;

beforeAll(async () => {
  await t.start();
  token = await t.token('carol');
}, 180_000);
afterAll(() => t.stop(), 60_000);

/** Opens an account for carol and waits until the read side has applied `version` of it. */
async function openAccount(headers: Record<string, string> = {}): Promise<string> {
  const opened = await post(
    t.command.url,
    '/accounts',
    { ownerId: 'carol', currency: 'EUR' },
    token,
    headers,
  );
  expect(opened.status).toBe(201);
  return opened.body.accountId;
}

const readVersion = async (accountId: string, version: number) =>
  eventually(async () => {
    const read = await get(t.query.url, `/accounts/${accountId}`, token);
    expect(read.body?.version).toBe(version);
  }, 30_000);

describe('admin console in Chromium', () => {
  it('signs in with an admin token, and refuses a token without the admin scope', async () => {
    const tab = await t.browser.context.newPage();
    await tab.goto(t.console.url);
    await tab.getByLabel('Admin bearer token').fill(token);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByText('lacks the tally:admin scope').waitFor();
    await tab.close();

    const signedIn = await t.signedIn('pipeline');
    const links = await signedIn
      .getByRole('navigation', { name: 'Console pages' })
      .getByRole('link')
      .allTextContents();
    expect(links).toEqual(['Pipeline', 'Dead letters', 'Rebuild', 'Streams', 'Trace', 'Audit']);
    await signedIn.close();
  }, 60_000);

  it('serves the app to anyone, its API only with the admin scope, bad input as problems', async () => {
    const page = await fetch(t.console.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<div id="app">');

    const admin = await t.admin();
    const routes = ['/api/session', '/api/pipeline', `/api/streams/${randomUUID()}`, '/api/trace/some-id'];
    for (const route of routes) {
      const anonymous = await get(t.console.url, route, undefined);
      expect([route, anonymous.status, anonymous.body.code]).toEqual([route, 401, 'unauthorized']);
      const owner = await get(t.console.url, route, token);
      expect([route, owner.status, owner.body.code]).toEqual([route, 403, 'insufficient-scope']);
    }
    const badId = await get(t.console.url, '/api/streams/not-a-uuid', admin);
    expect([badId.status, badId.body.code, badId.body.errors]).toEqual([
      400,
      'validation-failed',
      [{ field: 'accountId', messages: ['accountId must be a UUID'] }],
    ]);
    expect((await get(t.console.url, `/api/streams/${randomUUID()}`, admin)).status).toBe(404);
    expect((await get(t.console.url, '/api/trace/nobody-sent-this', admin)).status).toBe(404);
    expect((await get(t.console.url, '/api/nothing-here', admin)).body.code).toBe('not-found');
  }, 60_000);

  it("Streams shows an account's events beside its read rows, checked against their fold", async () => {
    const accountId = await openAccount();
    expect(
      (await post(t.command.url, `/accounts/${accountId}/deposits`, { amount: 700 }, token)).status,
    ).toBe(200);
    expect(
      (await post(t.command.url, `/accounts/${accountId}/withdrawals`, { amount: 200 }, token)).status,
    ).toBe(200);
    await readVersion(accountId, 3);

    const tab = await t.signedIn('streams');
    await tab.getByLabel('Account id').fill(accountId);
    await tab.getByRole('button', { name: 'Look up' }).click();
    const events = tab.getByRole('table', { name: 'Events in version order' });
    await events.waitFor();
    expect(await events.locator('tbody tr').count()).toBe(3);
    await tab.getByText(/matches.*The rows equal the fold of events 1–3/).waitFor();
    expect(
      await tab
        .getByRole('table', { name: /ledger_entries/ })
        .locator('tbody tr')
        .count(),
    ).toBe(2);
    await t.screenshot(tab, 'streams');

    // A read row that drifted from its events is shown as a difference.
    const readDb = new Client({ connectionString: t.readDb.url });
    await readDb.connect();
    await readDb.query('UPDATE accounts SET balance = balance + 1 WHERE account_id = $1', [accountId]);
    await readDb.end();
    await tab.reload();
    await tab.getByText(/differs/).waitFor();
    const difference = tab.getByRole('table', { name: /Differences between the read rows/ });
    expect(await difference.locator('tbody tr').allInnerTexts()).toEqual([
      expect.stringMatching(/accounts.*balance.*500.*501/s),
    ]);
    await tab.close();
  }, 90_000);

  it('Trace follows one correlation id through commands, events, transfer steps and read rows', async () => {
    const from = await openAccount();
    const to = await openAccount();
    expect((await post(t.command.url, `/accounts/${from}/deposits`, { amount: 1_000 }, token)).status).toBe(
      200,
    );
    const correlationId = `trace-${randomUUID()}`;
    const requested = await post(
      t.command.url,
      '/transfers',
      { fromAccountId: from, toAccountId: to, amount: 250 },
      token,
      { 'x-correlation-id': correlationId, 'idempotency-key': `key-${correlationId}` },
    );
    expect(requested.status).toBe(202);
    await eventually(async () => {
      const transfer = await get(t.query.url, `/transfers/${requested.body.transferId}`, token);
      expect(transfer.body?.status).toBe('completed');
    }, 30_000);

    const tab = await t.signedIn(`trace?id=${encodeURIComponent(correlationId)}`);
    const commands = tab.getByRole('table', { name: 'Commands by causation id' });
    await commands.waitFor();
    // The client's request (with its idempotency key) and the transfer process's steps.
    await commands.getByText(`key-${correlationId}`).waitFor();
    const events = tab.getByRole('table', { name: 'Events in the order they were stored' });
    const types = await events.locator('tbody tr td:nth-child(4)').allInnerTexts();
    expect(types).toEqual(
      expect.arrayContaining([
        'transfer.requested',
        'account.transfer-debited',
        'transfer.source-debited',
        'account.transfer-credited',
        'transfer.completed',
      ]),
    );
    await tab.getByRole('heading', { name: `Transfer ${requested.body.transferId}` }).waitFor();
    const reads = tab.getByRole('table', { name: `What replica set ${t.env.KAFKA_GROUP_ID} applied` });
    await eventually(
      async () => {
        await tab.reload();
        const states = await reads.locator('tbody tr td:nth-child(2)').allInnerTexts();
        expect(states.length).toBe(types.length);
        expect(new Set(states)).toEqual(new Set(['applied']));
      },
      30_000,
      500,
    );
    expect(await reads.innerText()).toContain(`ledger_entries ${to}`);
    await t.screenshot(tab, 'trace');
    await tab.close();
  }, 90_000);

  it('Pipeline shows the pipeline live, and growing lag once the query service is stopped', async () => {
    const accountId = await openAccount();
    const deposit = async () =>
      expect(
        (await post(t.command.url, `/accounts/${accountId}/deposits`, { amount: 1 }, token)).status,
      ).toBe(200);
    await deposit();
    await readVersion(accountId, 2);

    const tab = await t.signedIn('pipeline');
    const group = t.env.KAFKA_GROUP_ID;
    const figure = (testId: string) => tab.getByTestId(testId).locator('dd');
    const partitions = tab.getByRole('table', { name: `Partitions of replica set ${group}` });
    await partitions.waitFor();
    await eventually(
      async () => {
        expect(await figure(`members-${group}`).innerText()).toBe('1');
        expect(await figure(`lag-${group}`).innerText()).toBe('0');
        expect(await figure('relay-leader').innerText()).toMatch(/^pid \d+/);
        // The second reading onwards measures commands/s from the command service's metrics.
        expect(await figure('commands-rate').innerText()).toMatch(/^\d/);
      },
      30_000,
      250,
    );
    expect(await partitions.locator('tbody tr').count()).toBe(3);
    await t.screenshot(tab, 'pipeline');

    await t.query.stop();
    const lagNow = async () => Number((await figure(`lag-${group}`).innerText()).replace(/,/g, ''));
    await deposit();
    // Updated live (no reload): the group has no members and the lag counts the unapplied events.
    await eventually(
      async () => {
        expect(await figure(`members-${group}`).innerText()).toBe('0');
        expect(await lagNow()).toBeGreaterThanOrEqual(1);
      },
      30_000,
      250,
    );
    const before = await lagNow();
    for (let i = 0; i < 5; i++) await deposit();
    await eventually(async () => expect(await lagNow()).toBeGreaterThanOrEqual(before + 5), 30_000, 250);
    await t.screenshot(tab, 'pipeline-query-stopped');

    // Back up: the replica catches up and the page shows it.
    t.query = await t.startQuery();
    await eventually(async () => expect(await lagNow()).toBe(0), 60_000, 250);
    await tab.close();
  }, 180_000);
});
