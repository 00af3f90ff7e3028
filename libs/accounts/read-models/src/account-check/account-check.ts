import { accountIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { AccountSummary } from '../account-summary/account-summary.entity';
import { evolveAccountSummary } from '../account-summary/account-summary.evolve';
import type { LedgerEntry } from '../ledger/ledger-entry.entity';
import { ledgerEntryOf } from '../ledger/ledger.evolve';

/** What an account's read rows must be after its stream's events up to `version`. */
export interface AccountFold {
  /** The last version folded (0: none). */
  version: number;
  summary: AccountSummary | undefined;
  ledger: LedgerEntry[];
}

type AccountEnvelope = Parameters<typeof evolveAccountSummary>[1];

/**
 * Folds one account stream's decoded events (at their latest schema version) with the projections'
 * own pure functions, as the projections apply them: in version order, each version once, and the
 * ledger's running balance kept apart from the summary's (as the ledger projection keeps it).
 * Events of other streams and versions above `upToVersion` are left out.
 */
export function foldAccount(
  events: readonly EventEnvelope[],
  upToVersion = Number.MAX_SAFE_INTEGER,
): AccountFold {
  const byVersion = new Map<number, EventEnvelope>();
  for (const event of events)
    if (accountIdOfStream(event.streamId) !== undefined && event.streamVersion <= upToVersion)
      if (!byVersion.has(event.streamVersion)) byVersion.set(event.streamVersion, event);
  const ordered = [...byVersion.values()].sort((a, b) => a.streamVersion - b.streamVersion);
  let summary: AccountSummary | undefined;
  let balance = 0;
  const ledger: LedgerEntry[] = [];
  for (const event of ordered) {
    const entry = ledgerEntryOf(balance, event as AccountEnvelope);
    if (entry) {
      balance = entry.balanceAfter;
      ledger.push(entry);
    }
    summary = evolveAccountSummary(summary, event as AccountEnvelope) ?? summary;
  }
  return { version: ordered.at(-1)?.streamVersion ?? 0, summary, ledger };
}

/** One field whose stored value differs from the fold's. */
export interface RowDifference {
  table: 'accounts' | 'ledger_entries';
  /** The row: the account id, or `<account id>@<version>` for a ledger entry. */
  row: string;
  /** A column (camel case), or `(row)` when the whole row is missing or unexpected. */
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface AccountCheck {
  matches: boolean;
  /** The version the rows were compared at. */
  version: number;
  differences: RowDifference[];
}

const SUMMARY_FIELDS = [
  'accountId',
  'ownerId',
  'currency',
  'balance',
  'status',
  'version',
  'entryCount',
  'openedAt',
  'updatedAt',
] as const satisfies readonly (keyof AccountSummary)[];

const LEDGER_FIELDS = [
  'kind',
  'amount',
  'balanceAfter',
  'occurredAt',
  'transferId',
  'counterpartyAccountId',
  'source',
] as const satisfies readonly (keyof LedgerEntry)[];

/** Values as compared: instants by their time (a Date from any realm), everything else as is. */
const comparable = (value: unknown): unknown =>
  Object.prototype.toString.call(value) === '[object Date]' ? (value as Date).toISOString() : value;

function compareFields<T extends object>(
  table: RowDifference['table'],
  row: string,
  fields: readonly (keyof T & string)[],
  expected: T,
  actual: T,
): RowDifference[] {
  return fields
    .map((field) => ({ field, expected: comparable(expected[field]), actual: comparable(actual[field]) }))
    .filter(({ expected: e, actual: a }) => e !== a)
    .map((difference) => ({ table, row, ...difference }));
}

/**
 * Compares an account's stored read rows (its `accounts` row and `ledger_entries`) with the fold of
 * its events: every difference is listed, a missing or unexpected row as a `(row)` difference.
 */
export function checkAccountRows(
  fold: AccountFold,
  stored: { summary: AccountSummary | undefined; ledger: readonly LedgerEntry[] },
): AccountCheck {
  const differences: RowDifference[] = [];
  const accountId = fold.summary?.accountId ?? stored.summary?.accountId ?? '';
  if (fold.summary && stored.summary)
    differences.push(...compareFields('accounts', accountId, SUMMARY_FIELDS, fold.summary, stored.summary));
  else if (fold.summary || stored.summary)
    differences.push({
      table: 'accounts',
      row: accountId,
      field: '(row)',
      expected: fold.summary ? 'present' : 'absent',
      actual: stored.summary ? 'present' : 'absent',
    });
  const storedByVersion = new Map(stored.ledger.map((entry) => [entry.version, entry]));
  for (const entry of fold.ledger) {
    const row = `${entry.accountId}@${entry.version}`;
    const found = storedByVersion.get(entry.version);
    storedByVersion.delete(entry.version);
    if (found) differences.push(...compareFields('ledger_entries', row, LEDGER_FIELDS, entry, found));
    else
      differences.push({
        table: 'ledger_entries',
        row,
        field: '(row)',
        expected: 'present',
        actual: 'absent',
      });
  }
  for (const extra of storedByVersion.values())
    differences.push({
      table: 'ledger_entries',
      row: `${extra.accountId}@${extra.version}`,
      field: '(row)',
      expected: 'absent',
      actual: 'present',
    });
  return { matches: differences.length === 0, version: fold.version, differences };
}
