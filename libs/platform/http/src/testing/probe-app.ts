import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TrustProxy } from '../rate-limit';
import type { AuthConfig } from '../auth/auth-config';
import { ProblemDetailsFilter } from '../problem-details.filter';

/** What this library's own specs sign and verify tokens with: a local HS256 secret, no clock skew. */
export const localAuthConfig: AuthConfig = {
  issuer: 'tally-local',
  audience: 'tally',
  secret: 'a-local-secret-that-is-long-enough-for-hs256',
  algorithms: ['HS256'],
  clockToleranceSeconds: 0,
};

/**
 * A bare app on Fastify around a spec's probe module, answering errors as problems; `prepare` installs
 * what the spec exercises (a rate limit, say) before the app starts. Requests go in with `inject`.
 */
export async function startProbeApp(
  module: Type,
  prepare?: (app: NestFastifyApplication) => Promise<void>,
  adapter: { trustProxy?: TrustProxy } = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(adapter), {
    logger: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  await prepare?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
