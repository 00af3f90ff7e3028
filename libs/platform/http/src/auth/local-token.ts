import { SignJWT } from 'jose';
import type { AuthConfig } from './auth-config';

export interface LocalTokenRequest {
  subject: string;
  scopes: string[];
  ttlSeconds?: number;
}

/** Signs an HS256 token with the local secret: for `npm start`'s ready-to-use token, and for tests. */
export async function mintLocalToken(config: AuthConfig, request: LocalTokenRequest): Promise<string> {
  if (!config.secret) throw new Error('Local tokens need AUTH_HS256_SECRET');
  return new SignJWT({ scope: request.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3_600}s`)
    .sign(new TextEncoder().encode(config.secret));
}
