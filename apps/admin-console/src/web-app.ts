import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Where `npm run build` puts the bundled single-page app (Vite: apps/admin-console/web), beside the
 * compiled server: dist/apps/admin-console/src/main.js serves dist/apps/admin-console/web.
 */
export const webRoot = path.resolve(__dirname, '..', 'web');

/**
 * Serves the single-page app at `/`: index.html and its hashed assets, with a policy that lets the
 * page load only its own scripts and styles and call only its own API (nothing from a CDN, no inline
 * script). A route per file that exists at start-up (no wildcard), so any other path, `/api/...`
 * included, is answered by the API as a 404 problem.
 */
export function serveWebApp(app: NestFastifyApplication, root = webRoot): void {
  if (!fs.existsSync(path.join(root, 'index.html')))
    throw new Error(`The console's web app is not built (${root}/index.html is missing): run npm run build.`);
  // Queued, not awaited (as Nest's own useStaticAssets does): it loads with the other plugins when the
  // app starts listening. Awaiting it here would load Fastify's plugin queue before Nest is done.
  void app
    .getHttpAdapter()
    .getInstance()
    .register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      setHeaders: (reply, file) => {
        void reply.header(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        );
        void reply.header('x-content-type-options', 'nosniff');
        // Hashed asset names never change content; index.html must be asked for again after a deploy.
        void reply.header(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
}
