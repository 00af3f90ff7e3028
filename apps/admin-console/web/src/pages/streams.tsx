import type { AccountStreamView, ReplicaSetStreamView } from '../../../src/api/console-api';
import { Json, PageHeading, ProblemMessage, formatNumber, formatTime } from '../components';
import { useFetched } from '../polling';
import { hrefOf, navigate } from '../routes';
import { LookupForm } from './lookup-form';
import type { PageProps } from './pages';

/**
 * Streams: an account's events (write database, with their metadata) beside its read rows in each
 * replica set, and whether those rows equal the fold of the events.
 */
export function StreamsPage({ params }: PageProps) {
  const account = params.get('account') ?? '';
  const stream = useFetched<AccountStreamView>(
    account ? `/api/streams/${encodeURIComponent(account)}` : null,
  );
  return (
    <>
      <PageHeading>Streams</PageHeading>
      <LookupForm
        label="Account id"
        name="account"
        initial={account}
        placeholder="e.g. 3f2c…-…"
        onSubmit={(value) => navigate('streams', { account: value })}
      />
      <div aria-live="polite" class="status-line">
        {stream.loading
          ? 'Loading…'
          : stream.data
            ? `Account ${stream.data.accountId}: ${stream.data.totalEvents} events in the store.`
            : ''}
      </div>
      <ProblemMessage error={stream.error} what="the account" />
      {stream.data && <StreamDetails view={stream.data} />}
    </>
  );
}

function StreamDetails({ view }: { view: AccountStreamView }) {
  return (
    <div class="columns">
      <section class="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">
          Events of <code>{view.streamId}</code>
        </h2>
        {view.events.length < view.totalEvents && (
          <p class="hint">
            Showing the first {view.events.length} of {view.totalEvents}.
          </p>
        )}
        <div class="table-scroll">
          <table>
            <caption class="sr-only">Events in version order</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">Type</th>
                <th scope="col">Occurred</th>
                <th scope="col">Correlation / causation</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {view.events.map((event) => (
                <tr key={event.eventId}>
                  <td class="num">{event.streamVersion}</td>
                  <td>
                    {event.type.replace(/^tally\./, '')}
                    <span class="muted"> v{event.schemaVersion}</span>
                  </td>
                  <td>{formatTime(event.occurredAt)}</td>
                  <td class="mono">
                    {event.metadata.correlationId ? (
                      <a href={hrefOf('trace', { id: event.metadata.correlationId })}>
                        {event.metadata.correlationId}
                      </a>
                    ) : (
                      '—'
                    )}
                    {event.metadata.causationId !== event.metadata.correlationId && (
                      <div class="muted">caused by {event.metadata.causationId}</div>
                    )}
                    {event.metadata.actor && <div class="muted">by {event.metadata.actor}</div>}
                  </td>
                  <td>
                    <details>
                      <summary>
                        {summaryOf(event.data)}{' '}
                        <span class="sr-only">(event data, position {event.globalPosition})</span>
                      </summary>
                      <Json
                        value={{
                          globalPosition: event.globalPosition,
                          eventId: event.eventId,
                          data: event.data,
                          metadata: event.metadata,
                          recordedAt: event.recordedAt,
                        }}
                      />
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <div>
        {view.replicaSets.map((set) => (
          <ReplicaSetRows key={set.groupId} set={set} latest={view.totalEvents} />
        ))}
      </div>
    </div>
  );
}

/** A one-line hint of an event's data: its amount, or its first fields. */
const summaryOf = (data: unknown): string => {
  if (!data || typeof data !== 'object') return 'data';
  const record = data as Record<string, unknown>;
  if (typeof record.amount === 'number') return `amount ${formatNumber(record.amount)}`;
  const keys = Object.keys(record);
  return keys.length ? keys.slice(0, 3).join(', ') : 'no data';
};

function ReplicaSetRows({ set, latest }: { set: ReplicaSetStreamView; latest: number }) {
  const headingId = `set-${set.groupId}`;
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Read rows in replica set <code>{set.groupId}</code>
      </h2>
      {set.error ? (
        <p role="alert" class="problem">
          Its read database did not answer: {set.error}
        </p>
      ) : (
        <p>
          Applied up to version <strong>{set.appliedVersion}</strong> of {latest}
          {set.appliedVersion !== null && set.appliedVersion < latest ? ' (behind)' : ''}.
          {set.parkedVersions.length > 0 && <> Parked: versions {set.parkedVersions.join(', ')}.</>}
        </p>
      )}
      <CheckResult set={set} />
      {set.account && (
        <table>
          <caption>
            <code>accounts</code> row
          </caption>
          <tbody>
            {Object.entries(set.account).map(([field, value]) => (
              <tr key={field}>
                <th scope="row">{field}</th>
                <td class="mono">{String(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {set.ledger.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption>
              <code>ledger_entries</code> ({set.ledger.length})
            </caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col" class="num">
                  Balance after
                </th>
                <th scope="col">Transfer / source</th>
              </tr>
            </thead>
            <tbody>
              {set.ledger.map((entry) => (
                <tr key={entry.version}>
                  <td class="num">{entry.version}</td>
                  <td>{entry.kind}</td>
                  <td class="num">{formatNumber(entry.amount)}</td>
                  <td class="num">{formatNumber(entry.balanceAfter)}</td>
                  <td class="mono">{entry.transferId ?? entry.source ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Nothing applied yet: no rows is what the fold of no events gives. */
const foldedEvents = (version: number) =>
  version === 0 ? 'no events (none applied yet)' : `events 1–${version}`;

function CheckResult({ set }: { set: ReplicaSetStreamView }) {
  if (!set.check)
    return (
      <p data-testid="fold-check">
        <span class="badge warn">not checked</span> {set.checkSkipped}
      </p>
    );
  if (set.check.matches)
    return (
      <p data-testid="fold-check">
        <span class="badge ok">matches</span> The rows equal the fold of {foldedEvents(set.check.version)}.
      </p>
    );
  return (
    <div data-testid="fold-check">
      <p>
        <span class="badge bad">differs</span> The rows differ from the fold of{' '}
        {foldedEvents(set.check.version)}:
      </p>
      <table>
        <caption class="sr-only">Differences between the read rows and the fold of the events</caption>
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Row</th>
            <th scope="col">Field</th>
            <th scope="col">Fold of the events</th>
            <th scope="col">Stored</th>
          </tr>
        </thead>
        <tbody>
          {set.check.differences.map((difference) => (
            <tr key={`${difference.row}.${difference.field}`} class="bad">
              <td>{difference.table}</td>
              <td class="mono">{difference.row}</td>
              <td>{difference.field}</td>
              <td class="mono">{JSON.stringify(difference.expected)}</td>
              <td class="mono">{JSON.stringify(difference.actual)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
