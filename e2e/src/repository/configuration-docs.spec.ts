/**
 * docs/configuration.md stays true: every environment variable the services, the command-line tools or
 * the scripts read is documented there, every variable documented there is read somewhere, and no
 * on/off setting is read by comparing strings (`!== 'false'` made `0` or `FALSE` mean "on").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function* files(dir: string, extensions: RegExp): Generator<string> {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* files(relative, extensions);
    } else if (extensions.test(entry.name)) yield relative;
  }
}

const isTest = (file: string) =>
  /\.(spec|int-spec|e2e-spec)\.ts$/.test(file) || /\/src\/testing\//.test(file);

/** What ships and what an operator runs: apps, libraries, scripts, the local broker, the image's health check. */
const runtimeSources = [
  ...files('apps', /\.ts$/),
  ...files('libs', /\.ts$/),
  ...files('scripts', /\.js$/),
  ...files('infra', /\.js$/),
].filter((file) => !isTest(file));

/** Names read from an environment: `env.X`, `process.env.X`, `settings.get('X')`, `{ X: x } = env`. */
function variablesReadBy(source: string): string[] {
  const names = new Set<string>();
  for (const pattern of [
    /\benv\.([A-Z][A-Z0-9_]+)/g,
    /\.get\('([A-Z][A-Z0-9_]+)'\)/g,
    /\bportFrom\('([A-Z][A-Z0-9_]+)'/g,
    /\$\{([A-Z][A-Z0-9_]+):-/g, // shell defaults in package.json scripts
  ])
    for (const match of source.matchAll(pattern)) names.add(match[1]);
  for (const match of source.matchAll(/\{([^{}]+)\}\s*=\s*(?:process\.)?env\b/g))
    for (const key of match[1].matchAll(/\b([A-Z][A-Z0-9_]+)\s*:/g)) names.add(key[1]);
  return [...names].filter((name) => !['PATH', 'HOME', 'NODE_ENV'].includes(name));
}

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const docs = read('docs/configuration.md');
/** Every `NAME` in the first column of the tables. */
const documented = new Set(
  docs
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1])),
);

describe('docs/configuration.md', () => {
  const readByRuntime = new Map<string, string>();
  for (const file of [...runtimeSources, 'package.json'])
    for (const name of variablesReadBy(read(file)))
      if (!readByRuntime.has(name)) readByRuntime.set(name, file);

  it('finds the settings it is meant to check (the scan itself works)', () => {
    for (const name of [
      'RELAY_ENABLED',
      'KAFKA_SASL_PASSWORD',
      'TRUST_PROXY',
      'KAFKA_DATA_DIR',
      'READ_DATABASE_URL',
    ])
      expect(readByRuntime.has(name)).toBe(true);
  });

  it('documents every variable the services, the CLIs and the scripts read', () => {
    const missing = [...readByRuntime]
      .filter(([name]) => !documented.has(name))
      .map(([n, f]) => `${n} (${f})`);
    expect(missing).toEqual([]);
  });

  it('documents only variables something reads (services, scripts, tests, benchmarks)', () => {
    const everything = [
      ...runtimeSources,
      ...files('e2e', /\.ts$/),
      ...files('bench/src', /\.ts$/),
      ...[...files('libs', /\.ts$/)].filter(isTest),
      'Dockerfile',
    ]
      .map(read)
      .join('\n');
    const unread = [...documented].filter(
      (name) => !new RegExp(`env\\.${name}\\b|'${name}'|\\b${name}\\s*[:=]`).test(everything),
    );
    expect(unread).toEqual([]);
  });

  it('every on/off setting goes through the one boolean parser, never a string comparison', () => {
    const comparisons = runtimeSources
      .filter((file) => /^(apps|libs)\//.test(file))
      .flatMap((file) =>
        [...read(file).matchAll(/env\.[A-Z][A-Z0-9_]+\s*[!=]==\s*'(true|false|0|1)'/g)].map(
          (match) => `${file}: ${match[0]}`,
        ),
      );
    expect(comparisons).toEqual([]);
  });
});
