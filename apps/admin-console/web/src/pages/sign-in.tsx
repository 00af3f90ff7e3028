import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { claimsOf, forgetToken, saveToken } from '../session';

/**
 * Signing in is pasting a bearer token with the `tally:admin` scope (locally, `npm start` prints one
 * as ADMIN_TOKEN; or `npm run token -- --admin`). The server checks it before the console opens.
 */
export function SignIn({ onSignedIn, reason }: { onSignedIn: (subject: string) => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(reason);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const pasted = token.trim().replace(/^Bearer\s+/i, '');
    if (!claimsOf(pasted)) {
      setError('That is not a JSON Web Token (three base64url parts separated by dots).');
      return;
    }
    setBusy(true);
    saveToken(pasted);
    try {
      const who = await api<{ subject: string }>('/api/session');
      onSignedIn(who.subject);
    } catch (problem) {
      forgetToken();
      const p = problem as ApiProblem;
      setError(
        p.status === 403
          ? 'This token is valid but lacks the tally:admin scope.'
          : p.status === 401
            ? 'The console refused this token (invalid, expired, or signed with another key).'
            : p.message,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Tally admin console</h1>
      <form onSubmit={submit} aria-describedby="token-help">
        <label for="token">Admin bearer token</label>
        <textarea
          id="token"
          ref={field}
          name="token"
          rows={5}
          required
          spellcheck={false}
          autoComplete="off"
          value={token}
          aria-invalid={error ? 'true' : undefined}
          aria-errormessage={error ? 'token-error' : undefined}
          onInput={(event) => setToken((event.target as HTMLTextAreaElement).value)}
        />
        <p id="token-help" class="hint">
          A token with the <code>tally:admin</code> scope. Locally, <code>npm start</code> prints one as{' '}
          <code>ADMIN_TOKEN</code>; <code>npm run token -- --admin</code> mints another. It is kept in this
          tab only (sessionStorage).
        </p>
        <div aria-live="assertive">
          {error && (
            <p id="token-error" class="problem">
              {error}
            </p>
          )}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
