import type { PipelineOverview, ReplicaSetStatus } from '@tally/operations';
import { Figure, PageHeading, ProblemMessage, formatNumber, formatSeconds, formatTime } from '../components';
import { usePolling } from '../polling';
import type { PageProps } from './pages';

/** How often the page asks for a new reading (the issue asks for ≤ 2 s). */
export const PIPELINE_POLL_MS = 1_500;

/** A partition this far behind (seconds) is shown as a problem, not only as lag. */
const STALE_SECONDS = 10;

/**
 * Pipeline: one live reading of the whole pipeline, from the stores themselves (so a stopped query
 * service shows as no members and growing lag, not as its last figures).
 */
export function PipelinePage(_: PageProps) {
  const reading = usePolling<PipelineOverview>('/api/pipeline', PIPELINE_POLL_MS);
  const overview = reading.data;
  return (
    <>
      <PageHeading>Pipeline</PageHeading>
      <p class="status-line" data-testid="reading-time">
        {overview
          ? `Live: read ${formatTime(overview.at)}, every ${PIPELINE_POLL_MS / 1000} s.`
          : reading.error
            ? ''
            : 'Reading…'}
      </p>
      {/* Announced once when a reading fails, not at every successful poll. */}
      <div aria-live="polite">
        {reading.error && (
          <p class="problem">
            The last reading failed ({reading.error.message}).
            {overview ? ' Showing the previous one.' : ''}
          </p>
        )}
        {overview && overview.unavailable.length > 0 && (
          <p class="problem">
            Not answering:{' '}
            {overview.unavailable.map((source) => `${source.source} (${source.error})`).join('; ')}
          </p>
        )}
      </div>
      <ProblemMessage error={!overview ? reading.error : undefined} what="the pipeline" />
      {overview && <Overview overview={overview} />}
    </>
  );
}

function Overview({ overview }: { overview: PipelineOverview }) {
  const { relay, deadLetters, transfers, commands } = overview;
  return (
    <>
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading" class="sr-only">
          Summary
        </h2>
        <dl class="figures">
          <Figure
            label="Relay leader"
            value={relay ? (relay.leader ?? 'none') : '—'}
            tone={relay?.leader ? 'ok' : 'bad'}
            testId="relay-leader"
          />
          <Figure
            label="Relay backlog"
            value={formatNumber(relay?.backlog)}
            tone={relay && relay.backlog > 1000 ? 'warn' : 'ok'}
            testId="relay-backlog"
          />
          <Figure label="Last published" value={formatTime(relay?.lastPublishedAt)} />
          <Figure
            label="Dead letters (unhandled)"
            value={
              deadLetters
                ? `${formatNumber(deadLetters.unhandled)} of ${formatNumber(deadLetters.total)}`
                : '—'
            }
            tone={deadLetters && deadLetters.unhandled > 0 ? 'bad' : 'ok'}
            testId="dead-letters"
          />
          <Figure
            label="Transfers in flight"
            value={formatNumber(transfers?.inFlight)}
            testId="transfers-in-flight"
          />
          <Figure
            label="Oldest transfer"
            value={formatSeconds(transfers?.oldestAgeSeconds)}
            tone={transfers?.oldestAgeSeconds && transfers.oldestAgeSeconds > 60 ? 'warn' : undefined}
          />
          <Figure label="Commands/s" value={formatNumber(commands?.perSecond, 1)} testId="commands-rate" />
          <Figure
            label="Errors/s (5xx)"
            value={formatNumber(commands?.errorsPerSecond, 1)}
            tone={commands && commands.errorsPerSecond > 0 ? 'bad' : undefined}
          />
        </dl>
      </section>
      {overview.replicaSets.map((set) => (
        <ReplicaSet key={set.groupId} set={set} />
      ))}
    </>
  );
}

function ReplicaSet({ set }: { set: ReplicaSetStatus }) {
  const headingId = `replica-set-${set.groupId}`;
  const totalLag = set.partitions.reduce((sum, partition) => sum + partition.lag, 0);
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        Replica set <code>{set.groupId}</code>
      </h2>
      <dl class="figures">
        <Figure
          label="Replicas"
          value={set.members.length}
          tone={set.members.length ? 'ok' : 'bad'}
          testId={`members-${set.groupId}`}
        />
        <Figure
          label="Total lag"
          value={formatNumber(totalLag)}
          tone={totalLag > 0 ? 'warn' : 'ok'}
          testId={`lag-${set.groupId}`}
        />
        <Figure
          label="Parked events"
          value={formatNumber(set.parked)}
          tone={set.parked ? 'warn' : 'ok'}
          testId={`parked-${set.groupId}`}
        />
      </dl>
      <div class="table-scroll">
        <table>
          <caption>Partitions of replica set {set.groupId}</caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                Partition
              </th>
              <th scope="col" class="num">
                End offset
              </th>
              <th scope="col" class="num">
                Applied up to
              </th>
              <th scope="col" class="num">
                Lag
              </th>
              <th scope="col" class="num">
                Freshness
              </th>
              <th scope="col">Replica</th>
            </tr>
          </thead>
          <tbody>
            {set.partitions.map((partition) => (
              <tr
                key={partition.partition}
                class={
                  (partition.freshnessSeconds ?? 0) > STALE_SECONDS ||
                  (partition.lag > 0 && !partition.member)
                    ? 'bad'
                    : partition.lag > 0
                      ? 'warn'
                      : ''
                }
              >
                <th scope="row" class="num">
                  {partition.partition}
                </th>
                <td class="num">{partition.endOffset}</td>
                <td class="num">{partition.appliedOffset ?? '—'}</td>
                <td class="num">{formatNumber(partition.lag)}</td>
                <td class="num">
                  {partition.lag === 0 ? 'caught up' : formatSeconds(partition.freshnessSeconds)}
                </td>
                <td>{partition.member ?? <span class="problem">none</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {set.members.length > 0 && (
        <details>
          <summary>Members ({set.members.length})</summary>
          <ul>
            {set.members.map((member) => (
              <li key={member.memberId}>
                <code>{member.clientId}</code> on {member.host}: partitions{' '}
                {member.partitions.join(', ') || 'none'}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
