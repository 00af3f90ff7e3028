import type { TraceView } from '../../../src/api/console-api';
import { Json, PageHeading, ProblemMessage, formatTime } from '../components';
import { useFetched } from '../polling';
import { hrefOf, navigate } from '../routes';
import { LookupForm } from './lookup-form';
import type { PageProps } from './pages';

/**
 * Trace: everything one correlation id caused — commands, events, transfer steps and the read rows
 * each replica set updated.
 */
export function TracePage({ params }: PageProps) {
  const id = params.get('id') ?? '';
  const trace = useFetched<TraceView>(id ? `/api/trace/${encodeURIComponent(id)}` : null);
  return (
    <>
      <PageHeading>Trace</PageHeading>
      <LookupForm
        label="Correlation id"
        name="correlation"
        initial={id}
        placeholder="x-correlation-id of a request"
        onSubmit={(value) => navigate('trace', { id: value })}
      />
      <div aria-live="polite" class="status-line">
        {trace.loading
          ? 'Loading…'
          : trace.data
            ? `${trace.data.commands.length} commands, ${trace.data.events.length} events, ${trace.data.transfers.length} transfers.`
            : ''}
      </div>
      <ProblemMessage error={trace.error} what="the trace" />
      {trace.data && <TraceDetails trace={trace.data} />}
    </>
  );
}

const streamLink = (streamId: string) => {
  const account = /^account-(.+)$/.exec(streamId)?.[1];
  return account ? <a href={hrefOf('streams', { account })}>{streamId}</a> : <>{streamId}</>;
};

function TraceDetails({ trace }: { trace: TraceView }) {
  return (
    <>
      <section class="panel" aria-labelledby="commands-heading">
        <h2 id="commands-heading">Commands</h2>
        <table>
          <caption class="sr-only">Commands by causation id</caption>
          <thead>
            <tr>
              <th scope="col">Causation id</th>
              <th scope="col">Actor</th>
              <th scope="col">Appended</th>
              <th scope="col">Idempotency key</th>
              <th scope="col">Recorded</th>
            </tr>
          </thead>
          <tbody>
            {trace.commands.map((command) => (
              <tr key={command.causationId}>
                <td class="mono">{command.causationId}</td>
                <td>{command.actor ?? '—'}</td>
                <td class="mono">{command.appended.join(', ')}</td>
                <td>
                  {command.idempotency.length === 0
                    ? 'none'
                    : command.idempotency.map((record) => (
                        <div key={record.scope + record.key}>
                          <code>{record.key}</code> → {record.status ?? 'pending'}{' '}
                          <span class="muted">(until {formatTime(record.expiresAt)})</span>
                        </div>
                      ))}
                </td>
                <td>{formatTime(command.firstRecordedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section class="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <div class="table-scroll">
          <table>
            <caption class="sr-only">Events in the order they were stored</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Position
                </th>
                <th scope="col">Stream</th>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">Type</th>
                <th scope="col">Causation</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {trace.events.map((event) => (
                <tr key={event.eventId}>
                  <td class="num">{event.globalPosition}</td>
                  <td class="mono">{streamLink(event.streamId)}</td>
                  <td class="num">{event.streamVersion}</td>
                  <td>{event.type.replace(/^tally\./, '')}</td>
                  <td class="mono">{event.metadata.causationId}</td>
                  <td>
                    <details>
                      <summary>data</summary>
                      <Json value={event.data} />
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {trace.transfers.length > 0 && (
        <section class="panel" aria-labelledby="transfers-heading">
          <h2 id="transfers-heading">Transfer steps</h2>
          {trace.transfers.map((transfer) => (
            <div key={transfer.transferId}>
              <h3>
                Transfer <code>{transfer.transferId}</code>
              </h3>
              <ol>
                {transfer.steps.map((step) => (
                  <li key={step.version}>
                    {step.type.replace(/^tally\.transfer\./, '')}{' '}
                    <span class="muted">({formatTime(step.occurredAt)})</span>
                  </li>
                ))}
              </ol>
              <p>
                {transfer.inFlight
                  ? `In flight: ${transfer.inFlight.attempts} attempts, next at ${formatTime(transfer.inFlight.nextAttemptAt)}${transfer.inFlight.lastError ? `, last error: ${transfer.inFlight.lastError}` : ''}.`
                  : 'Not in flight (finished, or not yet picked up).'}{' '}
                Read side:{' '}
                {transfer.readStatus
                  .map(
                    (read) =>
                      `${read.groupId}: ${read.status ?? 'no row'}${read.version ? ` (v${read.version})` : ''}`,
                  )
                  .join('; ')}
              </p>
            </div>
          ))}
        </section>
      )}

      <section class="panel" aria-labelledby="reads-heading">
        <h2 id="reads-heading">Read-model updates</h2>
        {trace.readModels.map((set) => (
          <div key={set.groupId}>
            <h3>
              Replica set <code>{set.groupId}</code>
            </h3>
            {set.error ? (
              <p role="alert" class="problem">
                Its read database did not answer: {set.error}
              </p>
            ) : (
              <table>
                <caption class="sr-only">What replica set {set.groupId} applied</caption>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">State</th>
                    <th scope="col">Read rows it reached</th>
                  </tr>
                </thead>
                <tbody>
                  {set.events.map((event) => (
                    <tr key={event.eventId} class={event.state === 'applied' ? '' : 'warn'}>
                      <td class="mono">
                        {event.stream}@{event.version}
                      </td>
                      <td>
                        <span
                          class={`badge ${event.state === 'applied' ? 'ok' : event.state === 'parked' ? 'bad' : 'warn'}`}
                        >
                          {event.state}
                        </span>
                      </td>
                      <td class="mono">{event.rows.length ? event.rows.join('; ') : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ))}
      </section>
    </>
  );
}
