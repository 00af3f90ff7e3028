import { useEffect, useState } from 'preact/hooks';
import { api, onSignedOut } from './api';
import { pages } from './pages/pages';
import { SignIn } from './pages/sign-in';
import { hrefOf, useRoute } from './routes';
import { forgetToken, readToken } from './session';

type Session =
  { state: 'checking' } | { state: 'signed-out'; reason?: string } | { state: 'in'; subject: string };

export function App() {
  const [session, setSession] = useState<Session>(() =>
    readToken() ? { state: 'checking' } : { state: 'signed-out' },
  );
  useEffect(() => {
    if (session.state === 'checking')
      api<{ subject: string }>('/api/session').then(
        (who) => setSession({ state: 'in', subject: who.subject }),
        () => setSession({ state: 'signed-out' }),
      );
  }, [session.state]);
  useEffect(
    () =>
      onSignedOut(() =>
        setSession({
          state: 'signed-out',
          reason: 'The console refused the token (expired?): sign in again.',
        }),
      ),
    [],
  );

  if (session.state === 'checking') return <p class="loading">Checking the saved token…</p>;
  if (session.state === 'signed-out')
    return <SignIn reason={session.reason} onSignedIn={(subject) => setSession({ state: 'in', subject })} />;
  return (
    <Shell
      subject={session.subject}
      onSignOut={() => {
        forgetToken();
        setSession({ state: 'signed-out' });
      }}
    />
  );
}

function Shell({ subject, onSignOut }: { subject: string; onSignOut: () => void }) {
  const route = useRoute();
  const page = pages.find((candidate) => candidate.id === route.page) ?? pages[0];
  useEffect(() => {
    document.title = `${page.title} · Tally admin console`;
  }, [page]);
  const Page = page.component;
  return (
    <>
      <a class="skip" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Tally admin</span>
        <nav aria-label="Console pages">
          <ul>
            {pages.map((candidate) => (
              <li key={candidate.id}>
                <a href={hrefOf(candidate.id)} aria-current={candidate === page ? 'page' : undefined}>
                  {candidate.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          Signed in as <strong>{subject}</strong>{' '}
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {/* A key per page: another page starts afresh (and focuses its heading); a new query does not. */}
        <Page key={page.id} params={route.params} />
      </main>
    </>
  );
}

/** The skip link moves the focus, not the hash: the hash is the router's. */
function skipToMain(event: Event) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
