import { useState } from 'preact/hooks';
import type {
  DeadLetterPageView,
  DeadLetterView,
  RedriveAllView,
} from '../../../src/api/operator-actions-api';
import { type ApiProblem, api } from '../api';
import { PageHeading, ProblemMessage, formatNumber, formatTime } from '../components';
import { useFetched } from '../polling';
import { navigate } from '../routes';
import type { PageProps } from './pages';
import './operator-actions.css';

const PAGE_SIZE = 25;
/** The filters, as they are kept in the page's route (so a reload or a shared link keeps them). */
const FILTERS = ['partition', 'error', 'key', 'from', 'to', 'state'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const filtersOf = (params: URLSearchParams): Filters =>
  Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? undefined]).filter(([, v]) => v));

const query = (values: Record<string, string | undefined>) =>
  new URLSearchParams(
    Object.entries(values).filter((entry): entry is [string, string] => !!entry[1]),
  ).toString();

/**
 * Dead letters: the messages the read side could not apply, filtered and a page at a time; one of
 * them inspected (payload, headers, error), re-driven (their stored event published), or marked handled;
 * every unhandled one matching the filters re-driven at once.
 */
export function DeadLettersPage({ params }: PageProps) {
  const filters = filtersOf(params);
  const state = filters.state ?? 'unhandled';
  const after = params.get('after') ?? undefined;
  const selected = params.get('id');
  // The pages before this one, for "Previous page" (ids only move forward).
  const [before, setBefore] = useState<string[]>([]);
  const [message, setMessage] = useState<string>('');
  const listPath = `/api/dead-letters?${query({ ...filters, state, after, limit: String(PAGE_SIZE) })}`;
  const page = useFetched<DeadLetterPageView>(listPath);
  const go = (changes: Record<string, string | undefined>) =>
    navigate(
      'dead-letters',
      Object.fromEntries(
        Object.entries({ ...filters, state, after, id: selected ?? undefined, ...changes }).filter(
          (entry): entry is [string, string] => !!entry[1],
        ),
      ),
    );

  return (
    <>
      <PageHeading>Dead letters</PageHeading>
      <p class="hint">
        Messages the read side could not apply, from <code>&lt;topic&gt;.dead-letter</code>. Re-driving puts
        one back on its stream's partition (its parked successors follow); re-driven letters count as handled.
      </p>
      <FilterForm
        initial={{ ...filters, state }}
        onApply={(next) => {
          setBefore([]);
          navigate(
            'dead-letters',
            Object.fromEntries(Object.entries(next).filter(([, v]) => v)) as Record<string, string>,
          );
        }}
      />
      <div aria-live="polite" class="status-line" role="status">
        {message ||
          (page.loading
            ? 'Loading…'
            : page.data
              ? `${formatNumber(page.data.matched)} matching of ${formatNumber(page.data.total)} in the dead-letter topic.`
              : '')}
      </div>
      <ProblemMessage error={page.error} what="the dead letters" />
      {page.data && (
        <>
          <LetterTable page={page.data} selected={selected} onSelect={(id) => go({ id })} />
          <div class="actions">
            <button
              type="button"
              class="secondary"
              disabled={before.length === 0 && !after}
              onClick={() => {
                const previous = before.slice(0, -1);
                go({ after: before.at(-1) || undefined, id: undefined });
                setBefore(previous);
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!page.data.next}
              onClick={() => {
                setBefore([...before, after ?? '']);
                go({ after: page.data?.next ?? undefined, id: undefined });
              }}
            >
              Next page
            </button>
            <RedriveAll
              filters={filters}
              onDone={(text) => {
                setMessage(text);
                page.reload();
              }}
            />
          </div>
        </>
      )}
      {selected && (
        <LetterDetails
          key={selected}
          id={selected}
          onChanged={(text) => {
            setMessage(text);
            page.reload();
          }}
          onClose={() => go({ id: undefined })}
        />
      )}
    </>
  );
}

function FilterForm({ initial, onApply }: { initial: Filters; onApply: (filters: Filters) => void }) {
  const [values, setValues] = useState<Filters>(initial);
  const field = (name: keyof Filters) => ({
    id: `dl-${name}`,
    name,
    value: values[name] ?? '',
    onInput: (event: Event) => setValues({ ...values, [name]: (event.target as HTMLInputElement).value }),
  });
  // Times travel as ISO instants; the inputs show them in the browser's time zone.
  const time = (name: 'from' | 'to') => ({
    id: `dl-${name}`,
    name,
    type: 'datetime-local' as const,
    value: toLocalInput(values[name]),
    onInput: (event: Event) => {
      const local = (event.target as HTMLInputElement).value;
      setValues({ ...values, [name]: local ? new Date(local).toISOString() : undefined });
    },
  });
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter dead letters"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(values);
      }}
    >
      <label for="dl-state">
        State
        <select {...field('state')}>
          <option value="unhandled">Unhandled</option>
          <option value="handled">Handled or re-driven</option>
          <option value="all">All</option>
        </select>
      </label>
      <label for="dl-partition">
        Origin partition
        <input {...field('partition')} class="narrow" type="text" inputMode="numeric" pattern="[0-9]*" />
      </label>
      <label for="dl-error">
        Error contains
        <input {...field('error')} type="search" />
      </label>
      <label for="dl-key">
        Key contains
        <input {...field('key')} type="search" placeholder="stream or account id" />
      </label>
      <label for="dl-from">
        Failed from
        <input {...time('from')} />
      </label>
      <label for="dl-to">
        Failed before
        <input {...time('to')} />
      </label>
      <button type="submit">Apply filters</button>
    </form>
  );
}

const toLocalInput = (iso: string | undefined): string => {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function LetterTable(props: {
  page: DeadLetterPageView;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  if (props.page.items.length === 0) return <p>No dead letters match.</p>;
  return (
    <div class="table-scroll">
      <table>
        <caption class="sr-only">Dead letters, by id</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">From</th>
            <th scope="col">Failed</th>
            <th scope="col">Key</th>
            <th scope="col">State</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {props.page.items.map((letter) => (
            <tr key={letter.id} aria-selected={letter.id === props.selected}>
              <td class="mono">
                <button type="button" class="link" onClick={() => props.onSelect(letter.id)}>
                  {letter.id}
                  <span class="sr-only"> (inspect)</span>
                </button>
              </td>
              <td class="mono">
                {letter.originalPartition}@{letter.originalOffset}
              </td>
              <td>{formatTime(letter.failedAt)}</td>
              <td class="mono">{letter.key ?? '—'}</td>
              <td>
                <StateBadge letter={letter} />
              </td>
              <td>{letter.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const StateBadge = ({ letter }: { letter: DeadLetterView }) =>
  letter.mark ? (
    <span class="badge ok">{letter.mark.state === 'redriven' ? 're-driven' : 'handled'}</span>
  ) : (
    <span class="badge warn">unhandled</span>
  );

function RedriveAll({ filters, onDone }: { filters: Filters; onDone: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiProblem>();
  if (!confirming)
    return (
      <button type="button" onClick={() => setConfirming(true)}>
        Re-drive all unhandled…
      </button>
    );
  const { state: _state, ...fields } = filters;
  const body = {
    ...fields,
    partition: fields.partition === undefined ? undefined : Number(fields.partition),
  };
  return (
    <div class="confirm" role="group" aria-label="Confirm re-driving">
      Re-drive every unhandled dead letter matching the filters (whatever the state filter) that is a stored
      event, by publishing the event the store holds for it?{' '}
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            const done = await api<RedriveAllView>('/api/dead-letters/redrive', { method: 'POST', body });
            setConfirming(false);
            onDone(
              `Re-drove ${done.redriven.length} dead letter(s)` +
                (done.notStored.length
                  ? `; left ${done.notStored.length} that are no stored event (mark them handled).`
                  : '.'),
            );
          } catch (problem) {
            setError(problem as ApiProblem);
          } finally {
            setBusy(false);
          }
        }}
      >
        Re-drive them
      </button>{' '}
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      <ProblemMessage error={error} what="the re-drive" />
    </div>
  );
}

function LetterDetails(props: { id: string; onChanged: (message: string) => void; onClose: () => void }) {
  const letter = useFetched<DeadLetterView>(`/api/dead-letters/${encodeURIComponent(props.id)}`);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiProblem>();
  const act = async (path: string, body: Record<string, unknown>, done: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api<DeadLetterView>(`/api/dead-letters/${encodeURIComponent(props.id)}/${path}`, {
        method: 'POST',
        body: { ...body, note: note.trim() || undefined },
      });
      props.onChanged(done);
      letter.reload();
    } catch (problem) {
      setError(problem as ApiProblem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="letter-heading">
      <h2 id="letter-heading">
        Dead letter <code>{props.id}</code>
      </h2>
      <ProblemMessage error={letter.error} what="the dead letter" />
      {letter.data && (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <StateBadge letter={letter.data} />
              {letter.data.mark && (
                <span class="muted">
                  {' '}
                  by {letter.data.mark.by}, {formatTime(letter.data.mark.at)}
                  {letter.data.mark.note ? ` — ${letter.data.mark.note}` : ''}
                </span>
              )}
            </dd>
            <dt>From</dt>
            <dd class="mono">
              {letter.data.originalTopic} partition {letter.data.originalPartition}, offset{' '}
              {letter.data.originalOffset}
            </dd>
            <dt>Failed</dt>
            <dd>{formatTime(letter.data.failedAt)}</dd>
            <dt>Key</dt>
            <dd class="mono">{letter.data.key ?? '—'}</dd>
          </dl>
          <h3>Error</h3>
          <p class="problem">{letter.data.error}</p>
          <h3>Headers</h3>
          <div class="table-scroll">
            <table>
              <caption class="sr-only">Headers of dead letter {props.id}</caption>
              <thead>
                <tr>
                  <th scope="col">Header</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(letter.data.headers).map(([name, value]) => (
                  <tr key={name}>
                    <td class="mono">{name}</td>
                    <td class="mono">{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Payload</h3>
          <pre class="json" aria-label="Payload">
            {pretty(letter.data.value)}
          </pre>
          <form class="action-form" onSubmit={(event) => event.preventDefault()}>
            <p class="muted">
              A re-drive publishes the event the event store holds for this letter (by its event id, or its
              stream and version), never the payload above; a letter that is no stored event can only be
              marked handled. Money is corrected with an adjustment on the command service.
            </p>
            <label for="dl-note">
              Note (kept with the mark)
              <input
                id="dl-note"
                type="text"
                value={note}
                onInput={(event) => setNote((event.target as HTMLInputElement).value)}
              />
            </label>
            <div class="actions">
              <button
                type="button"
                disabled={busy}
                onClick={() => act('redrive', {}, `Re-drove ${props.id}: its stored event was published.`)}
              >
                Re-drive the stored event
              </button>
              <button
                type="button"
                class="secondary"
                disabled={busy}
                onClick={() => act('handled', {}, `Marked ${props.id} handled.`)}
              >
                Mark handled
              </button>
              <button type="button" class="secondary" onClick={props.onClose}>
                Close
              </button>
            </div>
          </form>
          <ProblemMessage error={error} what="the action" />
        </>
      )}
    </section>
  );
}

/** JSON pretty-printed for reading; anything else as it is. */
const pretty = (value: string | null): string => {
  if (value === null) return '';
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
};
