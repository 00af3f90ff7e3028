import { isIP } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { settingsFrom } from '@tally/settings';
import { verifiedPrincipalOf } from './auth/bearer-auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { problemType, type ProblemBody } from './problem';

/**
 * Which proxies in front of the service to believe about the client's address (Fastify's `trustProxy`):
 * false (the socket's peer is the client), true (every hop), or the proxies' addresses and CIDR ranges.
 * No hop counts: Fastify 5 ignores X-Forwarded-For under one (it cannot tell a proxy from a client).
 */
export type TrustProxy = boolean | string[];

/** At most `max` requests per client in each window of `windowMs`; `max` 0 switches the limit off. */
export interface RateLimitConfig {
  max: number;
  windowMs: number;
  /** Where a client's address comes from (see trustProxyFromEnv); absent: the socket's peer. */
  trustProxy?: TrustProxy;
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
  const trustProxy = trustProxyFromEnv(env);
  const perMinute = settings.get('RATE_LIMIT_PER_MINUTE').asIntPositive();
  if (perMinute !== undefined) return { max: perMinute, windowMs: 60_000, trustProxy };
  return {
    max: settings.get('RATE_LIMIT_PER_SECOND').default('1000').asIntPositive(),
    windowMs: 1_000,
    trustProxy,
  };
}

/** proxy-addr's names for whole ranges (127.0.0.1/8 and ::1, 169.254.0.0/16, the private ranges). */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const isAddressOrRange = (entry: string): boolean => {
  if (RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
};

/**
 * TRUST_PROXY, off by default: the client is the socket's peer and X-Forwarded-For is ignored (a client
 * could otherwise forge it and pick a fresh budget per request). Behind a load balancer, set it to the
 * proxies' addresses or CIDR ranges (`10.0.0.0/8,loopback`): the client is then the last address in
 * X-Forwarded-For that is not a trusted proxy. `true` believes every hop (the leftmost address wins), so
 * only a proxy that overwrites the header makes it safe.
 */
export function trustProxyFromEnv(env: NodeJS.ProcessEnv): TrustProxy {
  const value = env.TRUST_PROXY?.trim();
  if (value === undefined || /^(false|0)$/i.test(value)) return false;
  // Not `1`: read as one hop it would mean something safer than `true`, which believes every hop.
  if (/^true$/i.test(value)) return true;
  const entries = value.split(',').map((entry) => entry.trim());
  const wrong = entries.filter((entry) => !isAddressOrRange(entry));
  if (wrong.length > 0)
    throw new Error(
      `TRUST_PROXY should be false, true, or the proxies' addresses/CIDR ranges separated by commas ` +
        `(hop counts are not supported); not ${wrong.map((entry) => JSON.stringify(entry)).join(', ')}`,
    );
  return entries;
}

/**
 * Throttles each client: the subject of a verified bearer token, else the remote address (so a
 * forged or expired token neither escapes the limit nor spends someone else's budget). Over the
 * limit, a request is answered 429 `too-many-requests` with Retry-After before any work is done.
 * Behind a proxy, the remote address is the proxy's unless the app trusts it (`trustProxy`, which
 * createHttpApp hands to Fastify: `request.ip` then comes from X-Forwarded-For).
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
