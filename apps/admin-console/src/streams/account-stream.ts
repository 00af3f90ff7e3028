import { accountStreamId } from '@tally/contracts';
import {
  checkAccountRows,
  foldAccount,
  type AccountSummary,
  type LedgerEntry,
} from '@tally/accounts-read-models';
import type {
  AccountRowView,
  AccountStreamView,
  LedgerRowView,
  ReplicaSetStreamView,
} from '../api/console-api';
import type { ConsoleDatabases, ReplicaSetDatabase } from '../console-databases';
import { EVENT_COLUMNS, decodedEnvelope, eventView, messageOf, type EventRow } from '../stored-events';

/**
 * The most events a look-up reads and folds. A longer stream is shown up to here and not checked:
 * the page is for looking, not for replaying a hot account's whole history on every click.
 */
export const STREAM_EVENTS_SHOWN = 5_000;

/**
 * An account's stream from the write database beside its read rows in each replica set, and whether
 * those rows equal the fold of the events up to the version the replica set has applied (the
 * projections' own pure functions, so a row that drifted from its events shows as a difference).
 * Undefined when neither side knows the account.
 */
export async function readAccountStream(
  databases: ConsoleDatabases,
  accountId: string,
): Promise<AccountStreamView | undefined> {
  const streamId = accountStreamId(accountId);
  const [rows, [{ total }]] = await Promise.all([
    databases.write<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version LIMIT $2`,
      [streamId, STREAM_EVENTS_SHOWN],
    ),
    databases.write<{ total: number }>('SELECT count(*)::int AS total FROM events WHERE stream_id = $1', [
      streamId,
    ]),
  ]);
  const complete = total <= rows.length;
  const envelopes = rows.map(decodedEnvelope);
  const undecodable = envelopes.filter((envelope) => envelope === undefined).length;
  const replicaSets = await Promise.all(
    databases.replicaSets.map((replicaSet) =>
      replicaSetView(replicaSet, accountId, streamId, async (stored, appliedVersion) =>
        !complete
          ? {
              check: null,
              checkSkipped: `the stream has ${total} events, more than the ${STREAM_EVENTS_SHOWN} a look-up folds`,
            }
          : undecodable > 0
            ? {
                check: null,
                checkSkipped: `${undecodable} of its events cannot be decoded (the read side dead-letters them)`,
              }
            : {
                check: checkAccountRows(
                  foldAccount(envelopes as NonNullable<(typeof envelopes)[number]>[], appliedVersion),
                  stored,
                ),
              },
      ),
    ),
  );
  if (total === 0 && replicaSets.every((set) => set.account === null)) return undefined;
  return { accountId, streamId, events: rows.map(eventView), totalEvents: total, replicaSets };
}

type Checker = (
  stored: { summary: AccountSummary | undefined; ledger: LedgerEntry[] },
  appliedVersion: number,
) => Promise<Pick<ReplicaSetStreamView, 'check' | 'checkSkipped'>>;

async function replicaSetView(
  replicaSet: ReplicaSetDatabase,
  accountId: string,
  streamId: string,
  check: Checker,
): Promise<ReplicaSetStreamView> {
  try {
    const [positions, parked, accounts, ledger] = await Promise.all([
      replicaSet.query<{ version: number }>('SELECT version FROM stream_positions WHERE stream_id = $1', [
        streamId,
      ]),
      replicaSet.query<{ version: number }>(
        'SELECT DISTINCT version FROM parked_events WHERE stream_id = $1 ORDER BY version',
        [streamId],
      ),
      replicaSet.query<Record<string, unknown>>('SELECT * FROM accounts WHERE account_id = $1', [accountId]),
      replicaSet.query<Record<string, unknown>>(
        'SELECT * FROM ledger_entries WHERE account_id = $1 ORDER BY version',
        [accountId],
      ),
    ]);
    // Every projector of the set records its position; the set has applied what all of them have.
    const appliedVersion = positions.length ? Math.min(...positions.map((row) => row.version)) : 0;
    const summary = accounts[0] ? summaryOfRow(accounts[0]) : undefined;
    const entries = ledger.map((row) => ledgerEntryOfRow(accountId, row));
    return {
      groupId: replicaSet.groupId,
      appliedVersion,
      parkedVersions: parked.map((row) => row.version),
      account: summary ? accountView(summary) : null,
      ledger: entries.map(ledgerView),
      ...(await check({ summary, ledger: entries }, appliedVersion)),
    };
  } catch (error) {
    return {
      groupId: replicaSet.groupId,
      appliedVersion: null,
      error: messageOf(error),
      parkedVersions: [],
      account: null,
      ledger: [],
      check: null,
      checkSkipped: 'the read database did not answer',
    };
  }
}

const summaryOfRow = (row: Record<string, unknown>): AccountSummary => ({
  accountId: row.account_id as string,
  ownerId: row.owner_id as string,
  currency: row.currency as string,
  balance: Number(row.balance),
  status: row.status as AccountSummary['status'],
  version: Number(row.version),
  entryCount: Number(row.entry_count),
  openedAt: row.opened_at as Date,
  updatedAt: row.updated_at as Date,
});

const ledgerEntryOfRow = (accountId: string, row: Record<string, unknown>): LedgerEntry => ({
  accountId,
  version: Number(row.version),
  kind: row.kind as LedgerEntry['kind'],
  amount: Number(row.amount),
  balanceAfter: Number(row.balance_after),
  occurredAt: row.occurred_at as Date,
  transferId: (row.transfer_id as string | null) ?? null,
  counterpartyAccountId: (row.counterparty_account_id as string | null) ?? null,
  source: (row.source as string | null) ?? null,
});

const accountView = (summary: AccountSummary): AccountRowView => ({
  ...summary,
  openedAt: summary.openedAt.toISOString(),
  updatedAt: summary.updatedAt.toISOString(),
});

const ledgerView = ({ accountId: _, ...entry }: LedgerEntry): LedgerRowView => ({
  ...entry,
  occurredAt: entry.occurredAt.toISOString(),
});
