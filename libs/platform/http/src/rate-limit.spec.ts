import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { AuthModule } from './auth/auth.module';
import { Public, RequireScope } from './auth/bearer-auth.guard';
import { mintLocalToken } from './auth/local-token';
import { Scope } from './auth/principal';
import { installRateLimit, rateLimitFromEnv } from './rate-limit';
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
    expect(rateLimitFromEnv({})).toEqual({ max: 1_000, windowMs: 1_000 }));
  it('takes a limit per second or per minute, and 0 for off', () => {
    expect(rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: '50' })).toEqual({ max: 50, windowMs: 1_000 });
    expect(rateLimitFromEnv({ RATE_LIMIT_PER_MINUTE: '600' })).toEqual({ max: 600, windowMs: 60_000 });
    expect(rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: '0' }).max).toBe(0);
  });
  it.each(['-1', '1.5', 'lots'])('refuses %s, naming the variable', (value) => {
    expect(() => rateLimitFromEnv({ RATE_LIMIT_PER_SECOND: value })).toThrow(/RATE_LIMIT_PER_SECOND/);
    expect(() => rateLimitFromEnv({ RATE_LIMIT_PER_MINUTE: value })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});
