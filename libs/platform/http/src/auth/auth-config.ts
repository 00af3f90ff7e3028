import { settingsFrom } from '@tally/settings';

/**
 * Bearer-token settings. Exactly one key source: a shared HS256 secret (local use, tests) or a JWKS
 * URL (production, asymmetric keys). The accepted algorithms are pinned per source, so a token
 * cannot choose its own (`alg: none`, or HS256 signed with a public key).
 */
export interface AuthConfig {
  issuer: string;
  audience: string;
  secret?: string;
  jwksUrl?: string;
  algorithms: string[];
  /** Tolerated clock skew when checking `exp` and `nbf`. */
  clockToleranceSeconds: number;
}

const MIN_SECRET_BYTES = 32;

export function authConfigFromEnv(env: NodeJS.ProcessEnv): AuthConfig {
  const secret = env.AUTH_HS256_SECRET;
  const jwksUrl = env.AUTH_JWKS_URL;
  if (!secret === !jwksUrl)
    throw new Error(
      'Bearer-token authentication is not configured: set exactly one of AUTH_HS256_SECRET (a shared ' +
        'secret of 32+ bytes, for local use; `npm start` generates one) and AUTH_JWKS_URL (production).',
    );
  if (secret && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new Error(`AUTH_HS256_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  // A key set from a mistyped address would fail every request's verification, not start-up.
  if (jwksUrl) settingsFrom(env).get('AUTH_JWKS_URL').asUrlWithScheme('https', 'http');
  return {
    issuer: env.AUTH_ISSUER ?? 'tally-local',
    audience: env.AUTH_AUDIENCE ?? 'tally',
    secret,
    jwksUrl,
    algorithms: secret ? ['HS256'] : (env.AUTH_ALGORITHMS ?? 'RS256,ES256').split(',').map((a) => a.trim()),
    clockToleranceSeconds: settingsFrom(env).get('AUTH_CLOCK_TOLERANCE_SECONDS').default('5').asIntPositive(),
  };
}
