import { forgetToken, readToken } from './session';

/** An RFC 9457 problem the console's API answered with (or a network failure, status 0). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Listeners told when the server refuses the token (401): the app goes back to the sign-in form. */
const signedOutListeners = new Set<() => void>();
export const onSignedOut = (listener: () => void): (() => void) => {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
};

/** Calls the console's API with the session's bearer token; JSON in, JSON out, problems thrown. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = readToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiProblem(0, 'unreachable', 'The console server cannot be reached.');
  }
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const problem = (body ?? {}) as { code?: string; detail?: string; title?: string };
    if (response.status === 401) {
      forgetToken();
      for (const listener of signedOutListeners) listener();
    }
    throw new ApiProblem(
      response.status,
      problem.code ?? `http-${response.status}`,
      problem.detail ?? problem.title ?? `HTTP ${response.status}`,
    );
  }
  return body as T;
}
