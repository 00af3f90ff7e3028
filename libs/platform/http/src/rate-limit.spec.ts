import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { AuthModule } from './auth/auth.module';
import { Public, RequireScope } from './auth/bearer-auth.guard';
import { mintLocalToken } from './auth/local-token';
import { Scope } from './auth/principal';
import { installRateLimit, rateLimitFromEnv, trustProxyFromEnv, type TrustProxy } from './rate-limit';
import { localAuthConfig as config, startProbeApp } from './testing/probe-app';

@Controller()
class ProbeController {
  @RequireScope(Scope.Read)
  @Get('things')
  things() {
    return { ok: true };
  }

  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

@Module({ imports: [AuthModule.forRoot(config)], controllers: [ProbeController] })
class ProbeModule {}

const MAX = 3;

describe('rate limiting per client', () => {
  let app: NestFastifyApplication;
  const call = (url: string, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1') =>
    app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers, remoteAddress });
  const as = async (subject: string) => ({
    authorization: `Bearer ${await mintLocalToken(config, { subject, scopes: [Scope.Read] })}`,
  });
  const statuses = async (count: number, request: () => ReturnType<typeof call>) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await request()).statusCode);
    return seen;
  };

  beforeEach(async () => {
    app = await startProbeApp(ProbeModule, (probe) => installRateLimit(probe, { max: MAX, windowMs: 1_000 }));
  });

  afterEach(() => app?.close());

  it('answers 429 too-many-requests with Retry-After once a client is over its limit', async () => {
    const alice = await as('alice');
    expect(await statuses(MAX, () => call('/things', alice))).toEqual([200, 200, 200]);
    const refused = await call('/things', alice);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 429, code: 'too-many-requests', instance: '/things' });
  });

  it('keeps one budget per token subject, wherever the client connects from', async () => {
    const [alice, bob] = [await as('alice'), await as('bob')];
    await statuses(MAX, () => call('/things', alice, '10.0.0.1'));
    expect((await call('/things', alice, '10.0.0.2')).statusCode).toBe(429); // same subject, other address
    expect((await call('/things', bob, '10.0.0.1')).statusCode).toBe(200); // same address, other subject
  });

  it('counts clients without a valid token by address, so a forged token spends no one else’s budget', async () => {
    const forged = await new SignJWT({ sub: 'alice', scope: Scope.Read, aud: 'tally', iss: 'tally-local' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-secret-but-long-enough-anyway!!'));
    const forgedAuth = { authorization: `Bearer ${forged}` };
    expect(await statuses(MAX + 1, () => call('/things', forgedAuth, '10.0.0.9'))).toEqual([
      401, 401, 401, 429,
    ]);
    expect((await call('/things', {}, '10.0.0.9')).statusCode).toBe(429); // the address is spent
    expect((await call('/things', await as('alice'), '10.0.0.9')).statusCode).toBe(200); // alice is not
  });

  it('never throttles health probes, and lets a client in again after the window', async () => {
    const alice = await as('alice');
    await statuses(MAX + 2, () => call('/things', alice));
    expect(await statuses(MAX + 2, () => call('/health/live', alice))).toEqual(Array(MAX + 2).fill(200));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await call('/things', alice)).statusCode).toBe(200);
  });
});

describe('rateLimitFromEnv', () => {
  it('defaults to a generous 1000 per second, per client', () =>
    expect(rateLimitFromEnv({})).toEqual({ max: 1_000, windowMs: 1_000, trustProxy: false }));
  it('takes a limit per second or per minute, and 0 for off', () => {
    expect(rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: '50' })).toMatchObject({ max: 50, windowMs: 1_000 });
    expect(rateLimitFromEnv({ RATE_LIMIT_PER_MINUTE: '600' })).toMatchObject({ max: 600, windowMs: 60_000 });
    expect(rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: '0' }).max).toBe(0);
  });
  it.each(['-1', '1.5', 'lots'])('refuses %s, naming the variable', (value) => {
    expect(() => rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: value })).toThrow(/RATE_LIMIT_PER_SECOND/);
    expect(() => rateLimitFromEnv({ RATE_LIMIT_PER_MINUTE: value })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});

describe('rate limiting behind a proxy (TRUST_PROXY)', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  /** Anonymous requests from two clients, both arriving through the proxy at 10.0.0.1. */
  const twoClientsThroughProxy = async (trustProxy: TrustProxy) => {
    app = await startProbeApp(ProbeModule, (probe) => installRateLimit(probe, { max: 2, windowMs: 60_000 }), {
      trustProxy,
    });
    const fastify = app.getHttpAdapter().getInstance();
    const from = (client: string) =>
      fastify.inject({
        method: 'GET',
        url: '/things',
        remoteAddress: '10.0.0.1',
        headers: { 'x-forwarded-for': client },
      });
    const seen: number[] = [];
    for (const client of ['203.0.113.1', '203.0.113.1', '203.0.113.1', '203.0.113.2'])
      seen.push((await from(client)).statusCode);
    return seen;
  };

  it('off: every client behind the proxy shares the proxy’s budget, and X-Forwarded-For is ignored', async () => {
    // 401: anonymous, but counted; 429 once the proxy's address is over its limit, whoever sent it.
    expect(await twoClientsThroughProxy(false)).toEqual([401, 401, 429, 429]);
  });

  it.each<[string, TrustProxy]>([
    ['the proxy’s address', ['10.0.0.1']],
    ['the proxy’s range', ['10.0.0.0/8']],
  ])('trusting %s: each client behind the proxy has its own budget', async (_, trustProxy) => {
    expect(await twoClientsThroughProxy(trustProxy)).toEqual([401, 401, 429, 401]);
  });

  it('does not believe X-Forwarded-For from an address that is not a trusted proxy', async () => {
    expect(await twoClientsThroughProxy(['192.0.2.7'])).toEqual([401, 401, 429, 429]);
  });
});

describe('trustProxyFromEnv', () => {
  it.each<[string | undefined, TrustProxy]>([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['TRUE', true],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, loopback, fd00::/8', ['10.0.0.0/8', 'loopback', 'fd00::/8']],
  ])('reads %j as %j', (value, expected) =>
    expect(trustProxyFromEnv({ TRUST_PROXY: value })).toEqual(expected),
  );

  it.each(['yes', '1', '2', '10.0.0.300', '10.0.0.0/33', 'proxy.internal', '1.5', '10.0.0.1,'])(
    'refuses %j naming the variable',
    (value) => expect(() => trustProxyFromEnv({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/),
  );
});
