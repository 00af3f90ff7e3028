import { spawnSync } from 'node:child_process';
import path from 'node:path';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../../../..');

/** Imports of every kind of test support: the shared library, another library's entry point, the own one. */
const probe = [
  "import { eventually } from '@tally/testing';",
  "import { foldReadModels } from '@tally/accounts-read-models/testing';",
  "import { readModelSnapshot } from '../testing';",
  'export const used = [eventually, foldReadModels, readModelSnapshot];',
  '',
].join('\n');

interface Finding {
  line: number;
  ruleId: string;
}

/**
 * Lints `probe` as if it were each of `files`, with the repository's own ESLint configuration, in a
 * child process (ESLint loads its configuration as an ES module, which Jest's CommonJS runtime cannot).
 * The module-boundary rule reads Nx's project graph, which `nx show projects` writes first, as
 * `npm run lint` does.
 */
function lintAs(files: string[]): Record<string, Finding[]> {
  const script = `
    const { execSync } = require('node:child_process');
    const { ESLint } = require('eslint');
    execSync('node_modules/.bin/nx show projects', { stdio: 'ignore' });
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const found = {};
      for (const file of ${JSON.stringify(files)}) {
        const [result] = await eslint.lintText(${JSON.stringify(probe)}, { filePath: file });
        found[file] = result.messages.map((m) => ({ line: m.line, ruleId: m.ruleId }));
      }
      process.stdout.write(JSON.stringify(found));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, Finding[]>;
}

const linesOf = (findings: Finding[], rule: string) =>
  [...new Set(findings.filter((f) => f.ruleId === rule).map((f) => f.line))].sort();

describe('test support stays out of shipping code (lint)', () => {
  const shipping = ['libs/accounts/read-models/src/ledger/probe.ts', 'apps/query-service/src/probe.ts'];
  const tests = ['libs/accounts/read-models/src/ledger/probe.spec.ts', 'e2e/src/probe.e2e-spec.ts'];
  let findings: Record<string, Finding[]>;

  beforeAll(() => {
    findings = lintAs([...shipping, ...tests]);
  });

  it.each(shipping)('refuses every test-support import in %s', (file) => {
    expect(linesOf(findings[file], 'no-restricted-imports')).toEqual([1, 2, 3]);
    // The shared library is also refused by its tag (type:testing), whatever the import's spelling.
    expect(linesOf(findings[file], '@nx/enforce-module-boundaries')).toContain(1);
  });

  it.each(tests)('lets %s use test support', (file) => {
    expect(findings[file].filter((f) => f.ruleId === 'no-restricted-imports')).toEqual([]);
    expect(linesOf(findings[file], '@nx/enforce-module-boundaries')).not.toContain(1);
  });
});
