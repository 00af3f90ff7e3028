import { useState } from 'preact/hooks';
import type { AuditPageView, OperatorActionView } from '../../../src/api/operator-actions-api';
import { PageHeading, ProblemMessage, formatTime } from '../components';
import { useFetched } from '../polling';
import type { PageProps } from './pages';
import './operator-actions.css';

const json = (value: unknown): string =>
  value === null || value === undefined ? '—' : JSON.stringify(value);

/**
 * Audit: every operator action (re-drives, marks, rebuilds, balance adjustments), newest first, as
 * recorded in the write database's append-only `operator_actions`: who, when, what on what, why, the
 * outcome (done, or refused and why), and the state before and after.
 */
export function AuditPage(_: PageProps) {
  const [before, setBefore] = useState<string[]>([]);
  const page = useFetched<AuditPageView>(
    `/api/audit?limit=50${before.length ? `&before=${before[before.length - 1]}` : ''}`,
  );
  return (
    <>
      <PageHeading>Audit</PageHeading>
      <p class="muted">
        What operators did, newest first. Rows are only ever added: the database refuses to change or remove
        them. The same list: <code>npm run admin -- audit</code>.
      </p>
      <ProblemMessage error={page.error} what="the audit trail" />
      {page.data && (
        <>
          <div class="table-scroll">
            <table>
              <caption class="sr-only">Operator actions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">On</th>
                  <th scope="col">Why</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {page.data.actions.map((action: OperatorActionView) => (
                  <tr key={action.id}>
                    <td class="mono">{action.id}</td>
                    <td>{formatTime(action.at)}</td>
                    <td>{action.actor}</td>
                    <td class="mono">{action.action}</td>
                    <td class="mono">{action.target}</td>
                    <td>{action.reason ?? '—'}</td>
                    <td>{action.outcome}</td>
                    <td class="mono json-cell">{json(action.before)}</td>
                    <td class="mono json-cell">{json(action.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.data.actions.length === 0 && <p>No operator action yet.</p>}
          <div class="actions">
            {before.length > 0 && (
              <button type="button" class="secondary" onClick={() => setBefore(before.slice(0, -1))}>
                Newer
              </button>
            )}
            {page.data.next && (
              <button
                type="button"
                class="secondary"
                onClick={() => setBefore([...before, page.data?.next ?? ''])}
              >
                Older
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}
