#!/usr/bin/env node
// Compiles apps/, libs/ and bench/ (or the folders named as arguments: the Docker image builds only apps
// and libs) to CommonJS in dist/ with SWC (type checking is `npm run typecheck`), and bundles the admin
// console's single-page app (apps/admin-console/web, Preact) with Vite into dist/apps/admin-console/web.
// Path aliases come from tsconfig.base.json, the single place they are declared.
// Tests and the libraries' test-support entry points (`src/testing/`, imported as `@tally/<lib>/testing`)
// are not compiled: the services cannot load what is not shipped. `libs/platform/testing` is compiled,
// because the benchmarks (bench/, run from dist/) start databases and services with it.
require('./lib/help').answerHelp(`
usage: npm run build [-- <folder>...]

Compiles apps/, libs/ and bench/ (or the folders named) to CommonJS in dist/ with SWC; no type
checking (that is npm run typecheck). Tests and test support are not compiled. With apps/, also
bundles the admin console's web app with Vite (dist/apps/admin-console/web).
`);
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist');
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
const isTest = (file) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(file);
const isTestSupport = (dir) => path.basename(dir) === 'testing' && path.basename(path.dirname(dir)) === 'src';
// The browser code is bundled by Vite, not compiled for Node.
const webApp = path.join(root, 'apps', 'admin-console', 'web');

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!isTestSupport(full) && full !== webApp) yield* sources(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(entry.name)) yield full;
  }
}

async function build() {
  const started = Date.now();
  fs.rmSync(outDir, { recursive: true, force: true });
  const folders = process.argv.length > 2 ? process.argv.slice(2) : ['apps', 'libs', 'bench'];
  const files = folders.flatMap((dir) => [...sources(path.join(root, dir))]);
  await Promise.all(
    files.map(async (file) => {
      const { code, map } = await swc.transformFile(file, {
        swcrc: false,
        sourceMaps: true,
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          target: 'es2022',
          keepClassNames: true,
          baseUrl: root,
          paths: compilerOptions.paths,
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        },
        // ignoreDynamic keeps `import()` native, for ES-module-only packages with top-level await.
        module: { type: 'commonjs', strictMode: true, ignoreDynamic: true },
      });
      const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      fs.writeFileSync(`${target}.map`, map);
    }),
  );
  let bundled = '';
  if (folders.includes('apps')) {
    // Vite ships ES modules only: imported, not required.
    const vite = await import('vite');
    await vite.build({ configFile: path.join(webApp, 'vite.config.mjs'), logLevel: 'warn' });
    bundled = ' and the console web app';
  }
  console.log(`built ${files.length} files${bundled} into dist/ in ${Date.now() - started} ms`);
}

build().catch((error) => {
  console.error(error);
  process.exit(1);
});
