// The operator's bearer token lives in sessionStorage: it survives a reload of the tab but not the
// tab itself, and no other site can read it. The console never stores it anywhere else.
const KEY = 'tally.admin.token';

export const readToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);

/** What a pasted token claims (not verified here: the server verifies every request). */
export function claimsOf(token: string): { sub?: string; exp?: number; scope?: string } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, never>) : null;
  } catch {
    return null;
  }
}
