import { randomBytes } from 'node:crypto';
import { Scope, authConfigFromEnv, mintLocalToken, type AuthConfig } from '@tally/http';

/** One throwaway HS256 secret per test process: tokens minted here are valid only for its services. */
const secret = randomBytes(32).toString('base64url');

/** The variables that make a service (process or in-process app) accept the tokens of `testToken`. */
export const testAuthEnv = (): Record<string, string> => ({ AUTH_HS256_SECRET: secret });

export const testAuthConfig = (): AuthConfig => authConfigFromEnv(testAuthEnv());

/** A bearer token for `subject`; by default an owner's usual scopes (write and read, not admin). */
export const testToken = (subject: string, scopes: string[] = [Scope.Write, Scope.Read]): Promise<string> =>
  mintLocalToken(testAuthConfig(), { subject, scopes });

/** The Authorization header for `testToken(subject, scopes)`. */
export const testAuthHeader = async (
  subject: string,
  scopes?: string[],
): Promise<{ authorization: string }> => ({ authorization: `Bearer ${await testToken(subject, scopes)}` });
