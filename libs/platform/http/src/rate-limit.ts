import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { settingsFrom } from '@tally/settings';
import { verifiedPrincipalOf } from './auth/bearer-auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { problemType, type ProblemBody } from './problem';

/** At most `max` requests per client in each window of `windowMs`; `max` 0 switches the limit off. */
export interface RateLimitConfig {
  max: number;
  windowMs: number;
}

/** Probes and scrapes come from the platform, not from clients, and must never be throttled. */
const UNLIMITED = /^\/(health\/|metrics$)/;

/** Most distinct clients remembered at once (LRU): an address-spraying client cannot exhaust memory. */
const MAX_TRACKED_CLIENTS = 50_000;

/**
 * `RATE_LIMIT_PER_SECOND` (default 1000, generous enough for tests and benchmarks; 0 = off) or
 * `RATE_LIMIT_PER_MINUTE`, per client.
 */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv): RateLimitConfig {
  const settings = settingsFrom(env);
  const perMinute = settings.get('RATE_LIMIT_PER_MINUTE').asIntPositive();
  if (perMinute !== undefined) return { max: perMinute, windowMs: 60_000 };
  return { max: settings.get('RATE_LIMIT_PER_SECOND').default('1000').asIntPositive(), windowMs: 1_000 };
}

/**
 * Throttles each client: the subject of a verified bearer token, else the remote address (so a
 * forged or expired token neither escapes the limit nor spends someone else's budget). Over the
 * limit, a request is answered 429 `too-many-requests` with Retry-After before any work is done.
 * Behind a proxy, the remote address is the proxy's unless Fastify is told to trust it.
 */
export async function installRateLimit(app: NestFastifyApplication, config: RateLimitConfig): Promise<void> {
  if (config.max === 0) return;
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(rateLimit as never, { global: false, cache: MAX_TRACKED_CLIENTS });
  let verifier: TokenVerifier | undefined;
  try {
    verifier = app.get(TokenVerifier, { strict: false });
  } catch {
    verifier = undefined; // an app without bearer auth: every client is its address
  }
  const clientOf = async (request: FastifyRequest): Promise<string> => {
    const principal = verifier ? await verifiedPrincipalOf(request, verifier) : undefined;
    return principal ? `sub:${principal.subject}` : `ip:${request.ip}`;
  };
  const check = fastify.createRateLimit({
    max: config.max,
    timeWindow: config.windowMs,
    keyGenerator: clientOf,
  });
  fastify.addHook('onRequest', async (request, reply) => {
    if (UNLIMITED.test(request.url)) return;
    const outcome = await check(request);
    if (outcome.isAllowed || !outcome.isExceeded) return;
    const retryAfter = Math.max(1, outcome.ttlInSeconds);
    const problem: ProblemBody = {
      type: problemType('too-many-requests'),
      title: 'Too many requests',
      status: 429,
      code: 'too-many-requests',
      detail: `At most ${outcome.max} requests per ${config.windowMs / 1000} s per client; retry in ${retryAfter} s.`,
      instance: request.url,
    };
    return reply
      .status(429)
      .header('retry-after', String(retryAfter))
      .header('content-type', 'application/problem+json')
      .send(problem);
  });
}
