// The local HS256 secret shared by `npm start` and `npm run token`: AUTH_HS256_SECRET when set, else a
// random one kept in tmp/ (git-ignored, readable by this user only) so that tokens outlive a restart.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const secretFile = path.join(root, 'tmp', 'local-auth-secret');

/** The secret, creating one if `create` and none exists yet; undefined otherwise. */
function localAuthSecret({ create = false } = {}) {
  if (process.env.AUTH_HS256_SECRET) return process.env.AUTH_HS256_SECRET;
  if (fs.existsSync(secretFile)) return fs.readFileSync(secretFile, 'utf8').trim();
  if (!create) return undefined;
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.mkdirSync(path.dirname(secretFile), { recursive: true });
  fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Mints a token the local services accept (needs the build, for the project's own minting code). */
async function mintToken(secret, { subject, scopes, ttlSeconds }) {
  const { authConfigFromEnv } = require('../dist/libs/platform/http/src/auth/auth-config');
  const { mintLocalToken } = require('../dist/libs/platform/http/src/auth/local-token');
  const config = authConfigFromEnv({ ...process.env, AUTH_JWKS_URL: '', AUTH_HS256_SECRET: secret });
  return mintLocalToken(config, { subject, scopes, ttlSeconds });
}

module.exports = { localAuthSecret, mintToken, secretFile };
