import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import type { AuthConfig } from './auth-config';
import { mintLocalToken } from './local-token';
import { TokenVerifier } from './token-verifier';

const config: AuthConfig = {
  issuer: 'tally-local',
  audience: 'tally',
  secret: 'a-local-secret-that-is-long-enough-for-hs256',
  algorithms: ['HS256'],
  clockToleranceSeconds: 0,
};
const verifier = new TokenVerifier(config);
const sign = (claims: Record<string, unknown>, header = { alg: 'HS256' }) =>
  new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(config.secret));
const base = { iss: 'tally-local', aud: 'tally', sub: 'alice', scope: 'tally:read tally:write' };
const inOneHour = () => Math.floor(Date.now() / 1000) + 3_600;

describe('TokenVerifier', () => {
  it('accepts a valid local token and reads subject and scopes', async () => {
    const token = await mintLocalToken(config, { subject: 'alice', scopes: ['tally:read', 'tally:write'] });
    const principal = await verifier.verify(token);
    expect(principal.subject).toBe('alice');
    expect([...principal.scopes]).toEqual(['tally:read', 'tally:write']);
  });

  it.each([
    ['expired', () => sign({ ...base, exp: Math.floor(Date.now() / 1000) - 60 })],
    ['without expiry', () => sign(base)],
    ['for another audience', () => sign({ ...base, aud: 'someone-else', exp: inOneHour() })],
    ['from another issuer', () => sign({ ...base, iss: 'evil', exp: inOneHour() })],
    ['without subject', () => sign({ ...base, sub: undefined, exp: inOneHour() })],
    ['with alg none', async () => new UnsecuredJWT({ ...base, exp: inOneHour() }).encode()],
    [
      'signed with another secret',
      () =>
        new SignJWT({ ...base, exp: inOneHour() })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode('another-secret-that-is-also-long-enough')),
    ],
    [
      'signed with an algorithm that is not pinned',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({ ...base, exp: inOneHour() })
          .setProtectedHeader({ alg: 'ES256' })
          .sign(privateKey);
      },
    ],
    ['that is not a JWT at all', async () => 'not.a.jwt'],
  ])('rejects a token %s', async (_, token) => {
    await expect(verifier.verify(await token())).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('verifies asymmetric tokens against a JWKS only with the pinned algorithms', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const server = await import('node:http').then(({ createServer }) =>
      createServer((_, res) => res.end(JSON.stringify({ keys: [jwk] }))).listen(0, '127.0.0.1'),
    );
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const jwks = new TokenVerifier({
        ...config,
        secret: undefined,
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
        algorithms: ['ES256'],
      });
      const token = await new SignJWT({ ...base, exp: inOneHour() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .sign(privateKey);
      await expect(jwks.verify(token)).resolves.toMatchObject({ subject: 'alice' });
      await expect(jwks.verify(await sign({ ...base, exp: inOneHour() }))).rejects.toMatchObject({
        name: 'InvalidTokenError',
      });
    } finally {
      server.close();
    }
  });
});
