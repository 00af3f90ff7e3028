/**
 * Every npm script answers `--help`: a short usage on stdout, exit code 0, no stack trace, and quickly
 * (before fetching Node, building, or starting a broker). The scripts come from package.json itself,
 * so a script added later without a usage fails here.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../../..');
const { scripts } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
/** npm runs pre-scripts itself, without the arguments. */
const names = Object.keys(scripts).filter((name) => !/^pre|^post/.test(name));
/** Scripts of this repository (the others hand `--help` to a tool: tsc, Prettier, Jest). */
const ours = (name: string) => /^node (scripts|infra)\//.test(scripts[name]);

const run = promisify(execFile);

describe('npm run <script> -- --help', () => {
  it('covers the scripts the README names', () => {
    expect(names).toEqual(
      expect.arrayContaining(['start', 'test', 'bench', 'chaos', 'build', 'lint', 'token', 'rebuild']),
    );
    expect(names).toEqual(expect.arrayContaining(['dead-letters', 'republish', 'kafka:wipe']));
  });

  it.each(names)(
    '%s prints its usage and exits 0',
    async (name) => {
      const started = Date.now();
      // execFile rejects on a non-zero exit code, with the output in the error.
      const { stdout, stderr } = await run('npm', ['run', '--silent', name, '--', '--help'], {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' },
      });
      expect(stdout.trim().length).toBeGreaterThan(0);
      expect(`${stdout}\n${stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // no stack trace
      if (ours(name)) {
        expect(stdout).toMatch(/usage/i);
        expect(stdout.split('\n').length).toBeLessThan(40); // short
        // Nothing expensive happened first: no build, no broker (the CLIs may have built once, above).
        expect(`${stdout}\n${stderr}`).not.toMatch(/built \d+ files|Kafka .* ready|Starting Kafka/);
      }
      expect(Date.now() - started).toBeLessThan(60_000);
    },
    90_000,
  );
});
