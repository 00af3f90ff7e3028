import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { localAuthConfig as config, startProbeApp } from '../testing/probe-app';
import { AuthModule } from './auth.module';
import { CurrentPrincipal, Public, RequireScope } from './bearer-auth.guard';
import { mintLocalToken } from './local-token';
import { Scope, type Principal } from './principal';

@Controller()
class ProbeController {
  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @RequireScope(Scope.Write)
  @Get('write')
  write(@CurrentPrincipal() principal: Principal) {
    return { subject: principal.subject };
  }
}

@Module({ imports: [AuthModule.forRoot(config)], controllers: [ProbeController] })
class ProbeModule {}

describe('BearerAuthGuard', () => {
  let app: NestFastifyApplication;
  const call = (url: string, authorization?: string) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
  const token = (scopes: string[]) => mintLocalToken(config, { subject: 'alice', scopes });

  beforeAll(async () => {
    app = await startProbeApp(ProbeModule);
  });

  afterAll(() => app?.close());

  it('lets anyone call a public route', async () => {
    expect((await call('/open')).statusCode).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['a malformed header', 'Token abc'],
    ['a forged token', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.'],
  ])('answers 401 with a problem and WWW-Authenticate for %s', async (_, authorization) => {
    const response = await call('/write', authorization);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('answers 403 to a valid token without the scope', async () => {
    const response = await call('/write', `Bearer ${await token([Scope.Read])}`);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'insufficient-scope' });
  });

  it('passes the verified principal to the route', async () => {
    const response = await call('/write', `Bearer ${await token([Scope.Write])}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ subject: 'alice' });
  });

  it('lets the admin scope stand in for any scope', async () => {
    expect((await call('/write', `Bearer ${await token([Scope.Admin])}`)).statusCode).toBe(200);
  });
});
