// The console's single-page app: Preact, bundled by Vite into dist/apps/admin-console/web, which the
// console's server serves at `/`. Everything ships in the bundle: nothing is loaded from a CDN.
// `npm run build` runs this (scripts/build.js); `npx vite --config apps/admin-console/web/vite.config.mjs`
// serves it with hot reload for front-end work, proxying /api to a console running on :3003.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // JSX compiles to Preact's automatic runtime (no React, no Babel).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.resolve(here, '../../../dist/apps/admin-console/web'),
    emptyOutDir: true,
    sourcemap: true,
    // Laptop-first operator tool; every browser it runs in is current.
    target: 'es2022',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3003' },
  },
});
