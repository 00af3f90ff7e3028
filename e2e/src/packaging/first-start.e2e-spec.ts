import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { createTestDatabase, freePort, type TestDatabase } from '@tally/testing';

jest.setTimeout(180_000);

const root = resolve(__dirname, '../../..');
const BANNER = 'Tally is running';

/**
 * `npm start` as a newcomer sees it: on a pseudo-terminal (util-linux `script`), the banner with the
 * URLs and tokens comes within one screen, and nothing is printed that they can do nothing about.
 */
describe('npm start on a terminal', () => {
  const databases: TestDatabase[] = [];

  afterAll(() => Promise.all(databases.map((db) => db.drop())));

  it('shows the banner within 40 lines, with no warning', async () => {
    expect(spawnSync('script', ['--version']).status).toBe(0); // util-linux script, for the terminal
    databases.push(
      await createTestDatabase('first_start_write'),
      await createTestDatabase('first_start_read'),
    );
    const env = {
      ...process.env,
      WRITE_DATABASE_URL: databases[0].url,
      READ_DATABASE_URL: databases[1].url,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      KAFKA_TOPIC: `tally.e2e.first-start.${Date.now()}`,
      COMMAND_SERVICE_PORT: String(await freePort()),
      QUERY_SERVICE_PORT: String(await freePort()),
      ADMIN_CONSOLE_PORT: String(await freePort()),
      // What a terminal has; the test runner's own settings would change what the services print.
      LOG_LEVEL: 'info',
      TERM: 'xterm-256color',
      NODE_OPTIONS: '',
    };
    // -e: script exits with the command's status; -f: flushes as it comes; /dev/null: no typescript file.
    const terminal = spawn('script', ['-qfec', 'npm start -- --no-build', '/dev/null'], {
      cwd: root,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    terminal.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    terminal.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(terminal, 'exit');
    try {
      const deadline = Date.now() + 120_000;
      while (!output.includes(BANNER) && terminal.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      const plain = stripVTControlCharacters(output);
      expect(plain).toContain(BANNER);
      const beforeBanner = plain.slice(0, plain.indexOf(BANNER)).split(/\r?\n/);
      if (beforeBanner.length >= 40)
        throw new Error(`${beforeBanner.length} lines before the banner:\n${beforeBanner.join('\n')}`);
      // Node's warnings (TimeoutNegativeWarning, DeprecationWarning, …) and kafkajs's EoS one.
      expect(plain).not.toMatch(/Warning|EoS guarantees/);
      // Every line a service logged before the banner is pretty-printed, not raw JSON.
      expect(beforeBanner.filter((line) => line.trimStart().startsWith('{"level"'))).toEqual([]);
    } finally {
      // Ctrl-C, as a person would type it: the terminal sends SIGINT to npm start and its services.
      terminal.stdin.write('\x03');
      const timer = setTimeout(() => terminal.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
  });
});
