import { useState } from 'preact/hooks';
import type { RebuildStartedView, RebuildView, RebuildsView } from '../../../src/api/operator-actions-api';
import { type ApiProblem, api } from '../api';
import { Figure, PageHeading, ProblemMessage, formatNumber, formatSeconds, formatTime } from '../components';
import { usePolling } from '../polling';
import type { PageProps } from './pages';
import './operator-actions.css';

/** Progress is asked for this often while the page is open. */
const POLL_MS = 1_000;

const PHASES: Record<RebuildView['progress']['phase'], string> = {
  starting: 'starting',
  replaying: 'replaying the history',
  'catching-up': 'catching up from the topic',
  indexing: 'building keys and indexes',
  swapping: 'swapping in',
  done: 'done',
};

/**
 * Rebuild: replays the events into shadow tables while the live ones keep serving, then swaps them in.
 * Start one, watch its progress, cancel it (its shadow tables and consumer group are removed, the
 * live tables kept), see how it ended.
 */
export function RebuildPage(_: PageProps) {
  const rebuilds = usePolling<RebuildsView>('/api/rebuild', POLL_MS);
  const [source, setSource] = useState<'store' | 'topic'>('store');
  const [keepOld, setKeepOld] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiProblem>();
  const [message, setMessage] = useState('');
  const current = rebuilds.data?.current ?? null;

  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await api<RebuildStartedView>('/api/rebuild', {
        method: 'POST',
        body: { source, keepOld },
      });
      setMessage(
        outcome.started
          ? `Rebuild ${outcome.rebuild.id} started.`
          : `Rebuild ${outcome.rebuild.id} is already running.`,
      );
    } catch (problem) {
      setError(problem as ApiProblem);
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const rebuild = await api<RebuildView>('/api/rebuild/cancel', { method: 'POST', body: {} });
      setMessage(`Cancelling rebuild ${rebuild.id}: removing its shadow tables and consumer group…`);
    } catch (problem) {
      setError(problem as ApiProblem);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading>Rebuild</PageHeading>
      <p class="hint">
        Rebuilds the read tables of the first replica set into a shadow schema while the live tables keep
        serving, then swaps them in at once. One rebuild at a time (also against <code>npm run rebuild</code>
        ).
      </p>
      <form
        class="filters"
        aria-label="Start a rebuild"
        onSubmit={(event) => {
          event.preventDefault();
          void start();
        }}
      >
        <fieldset class="choices">
          <legend>Replay</legend>
          <label>
            <input
              type="radio"
              name="source"
              value="store"
              checked={source === 'store'}
              onChange={() => setSource('store')}
            />
            the event store
          </label>
          <label>
            <input
              type="radio"
              name="source"
              value="topic"
              checked={source === 'topic'}
              onChange={() => setSource('topic')}
            />
            the topic from its beginning
          </label>
        </fieldset>
        <label class="inline">
          <input
            type="checkbox"
            checked={keepOld}
            onChange={(event) => setKeepOld((event.target as HTMLInputElement).checked)}
          />
          Keep the replaced tables
        </label>
        <button type="submit" disabled={busy || !!current}>
          Start rebuild
        </button>
      </form>
      <div class="status-line" role="status" aria-live="polite">
        {message}
      </div>
      <ProblemMessage error={error} what="the rebuild" />
      <ProblemMessage error={rebuilds.error} what="the rebuilds" />
      {current && <Running rebuild={current} busy={busy} onCancel={() => void cancel()} />}
      {rebuilds.data && <Recent rebuilds={rebuilds.data.recent} />}
    </>
  );
}

function Running({ rebuild, busy, onCancel }: { rebuild: RebuildView; busy: boolean; onCancel: () => void }) {
  const { progress } = rebuild;
  const unit = progress.source === 'store' ? 'events' : 'messages';
  return (
    <section class="panel" aria-labelledby="running-heading">
      <h2 id="running-heading">
        Rebuild <code>{rebuild.id}</code> {rebuild.cancelRequested ? 'cancelling' : 'running'}
      </h2>
      <progress
        class="rebuild"
        aria-label="Rebuild progress"
        max={Math.max(progress.total, 1)}
        value={progress.done}
      />
      <dl class="figures">
        <Figure label="Phase" value={PHASES[progress.phase]} testId="rebuild-phase" />
        <Figure
          label={`Read (${unit})`}
          value={`${formatNumber(progress.done)} of ${formatNumber(progress.total)}`}
        />
        <Figure label="Applied" value={formatNumber(progress.applied)} />
        <Figure label="Rate" value={progress.rate === null ? '—' : `${formatNumber(progress.rate)}/s`} />
        <Figure label="Elapsed" value={formatSeconds(progress.elapsedSeconds)} />
        <Figure label="Started by" value={rebuild.startedBy} />
      </dl>
      <div class="actions">
        <button type="button" class="danger" disabled={busy || rebuild.cancelRequested} onClick={onCancel}>
          Cancel rebuild
        </button>
      </div>
    </section>
  );
}

const outcomeTone = { succeeded: 'ok', cancelled: 'warn', failed: 'bad', running: '' } as const;

function Recent({ rebuilds }: { rebuilds: RebuildView[] }) {
  return (
    <section class="panel" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Latest rebuilds</h2>
      {rebuilds.length === 0 ? (
        <p class="muted">None finished since the console started.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="sr-only">Latest rebuilds, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Outcome</th>
                <th scope="col">Started</th>
                <th scope="col">By</th>
                <th scope="col" class="num">
                  Applied
                </th>
                <th scope="col" class="num">
                  Took
                </th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {rebuilds.map((rebuild) => (
                <tr key={rebuild.id}>
                  <td class="mono">{rebuild.id}</td>
                  <td>
                    <span class={`badge ${outcomeTone[rebuild.state]}`}>{rebuild.state}</span>
                  </td>
                  <td>{formatTime(rebuild.startedAt)}</td>
                  <td>{rebuild.startedBy}</td>
                  <td class="num">{formatNumber(rebuild.result?.applied ?? rebuild.progress.applied)}</td>
                  <td class="num">
                    {formatSeconds(rebuild.result?.seconds ?? rebuild.progress.elapsedSeconds)}
                  </td>
                  <td>
                    {rebuild.state === 'succeeded'
                      ? `${formatNumber(rebuild.result?.messages)} read; swapped in` +
                        (rebuild.result?.retiredSchema
                          ? `; old tables in ${rebuild.result.retiredSchema}`
                          : '')
                      : rebuild.state === 'cancelled'
                        ? 'shadow tables and group removed; live tables unchanged'
                        : (rebuild.error ?? '')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
