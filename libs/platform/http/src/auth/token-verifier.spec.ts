import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { localAuthConfig as config } from '../testing/probe-app';
import { mintLocalToken } from './local-token';
import { TokenVerifier } from './token-verifier';

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

describe('TokenVerifier remembering verified tokens', () => {
  afterEach(() => jest.useRealTimers());

  const fresh = () => new TokenVerifier(config);
  const token = () => sign({ ...base, exp: inOneHour() });

  it('answers a repeated token from memory', async () => {
    const tokens = fresh();
    const valid = await token();
    const first = await tokens.verify(valid);
    expect(await tokens.verify(valid)).toBe(first);
  });

  it('still refuses a copy of a remembered token with an altered signature', async () => {
    const tokens = fresh();
    const valid = await token();
    await tokens.verify(valid);
    const signatureStart = valid.lastIndexOf('.') + 1;
    const flipped = valid[signatureStart + 5] === 'A' ? 'B' : 'A';
    const forged = valid.slice(0, signatureStart + 5) + flipped + valid.slice(signatureStart + 6);
    await expect(tokens.verify(forged)).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('refuses a remembered token once it has expired', async () => {
    const tokens = fresh();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await sign({ ...base, exp });
    await expect(tokens.verify(shortLived)).resolves.toMatchObject({ subject: 'alice' });
    // Only the clock moves (jose reads it through new Date()); timers and ticks stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout'] });
    jest.setSystemTime(exp * 1_000 + 1_000);
    await expect(tokens.verify(shortLived)).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('does not lend what it remembers to a verifier with other settings', async () => {
    const valid = await token();
    await fresh().verify(valid);
    const otherAudience = new TokenVerifier({ ...config, audience: 'someone-else' });
    await expect(otherAudience.verify(valid)).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('refuses a rejected token again on every try', async () => {
    const tokens = fresh();
    const expired = await sign({ ...base, exp: Math.floor(Date.now() / 1000) - 60 });
    for (let i = 0; i < 2; i++)
      await expect(tokens.verify(expired)).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });
});
