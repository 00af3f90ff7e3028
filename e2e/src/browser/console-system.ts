import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startService, type ServiceProcess } from '@tally/testing';
import type { Page } from 'playwright-core';
import { TestSystem } from '../system';
import { launchChromium, type Chromium } from './chromium';

/** Where the browser tests save their screenshots (the README's images are copies of these). */
export const SCREENSHOTS = path.resolve(__dirname, '../../../tmp/console-screenshots');

/**
 * The admin console's browser-test fixture: both services and the console as processes on throwaway
 * databases and topic (a TestSystem), and headless Chromium with a fresh profile. `signedIn()` opens a
 * page already signed in with an admin token. Stop it in afterAll.
 *
 *   const t = new ConsoleSystem('my-test');
 *   beforeAll(() => t.start(), 180_000);
 *   afterAll(() => t.stop());
 *   it('…', async () => { const page = await t.signedIn('pipeline'); … });
 */
export class ConsoleSystem extends TestSystem {
  console!: ServiceProcess;
  browser!: Chromium;

  constructor(label: string, env: Record<string, string> = {}) {
    super(label, env);
  }

  override async start(): Promise<this> {
    await super.start();
    [this.console, this.browser] = await Promise.all([this.startConsole(), launchChromium()]);
    return this;
  }

  /** The console, watching this system's databases, topic, consumer group and command service. */
  startConsole(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return startService('admin-console', {
      env: {
        ...this.env,
        ADMIN_COMMAND_METRICS_URLS: `${this.command.url}/metrics`,
        ...env,
      },
    });
  }

  /** A new tab on `page` (`pipeline`, `streams?account=…`), signed in through the sign-in form. */
  async signedIn(page = 'pipeline'): Promise<Page> {
    const tab = await this.browser.context.newPage();
    await tab.goto(`${this.console.url}/#/${page}`);
    await tab.getByLabel('Admin bearer token').fill(await this.admin());
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('navigation', { name: 'Console pages' }).waitFor();
    return tab;
  }

  /** Saves a screenshot of the tab as tmp/console-screenshots/<name>.png. */
  async screenshot(tab: Page, name: string): Promise<string> {
    await mkdir(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await tab.screenshot({ path: file, fullPage: true });
    return file;
  }

  override async stop(): Promise<void> {
    await Promise.all([this.browser?.close(), this.console?.stop()]);
    await super.stop();
  }
}
