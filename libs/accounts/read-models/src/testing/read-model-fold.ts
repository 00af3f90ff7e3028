import { accountIdOfStream, transferIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { AccountSummary } from '../account-summary/account-summary.entity';
import { evolveAccountSummary } from '../account-summary/account-summary.evolve';
import { ledgerEntryOf } from '../ledger/ledger.evolve';
import { portfolioDeltas } from '../owner-portfolio/owner-portfolio.evolve';
import type { Transfer } from '../transfers/transfer.entity';
import { evolveTransfer } from '../transfers/transfer.evolve';

/**
 * The read tables as plain, sorted rows: what a fold of the events says they must contain, and what
 * they do contain. Tests, the rebuild check and operators compare the two; any lost or doubly
 * applied event shows up as a difference.
 */
export interface ReadModelSnapshot {
  accounts: {
    accountId: string;
    ownerId: string;
    currency: string;
    balance: number;
    status: string;
    version: number;
    entryCount: number;
  }[];
  ledger: { accountId: string; version: number; kind: string; amount: number; balanceAfter: number }[];
  transfers: { transferId: string; status: string; version: number; amount: number; reason: string | null }[];
  owners: { ownerId: string; currency: string; balance: string; accounts: number; openAccounts: number }[];
}

const byKey =
  <T>(key: (row: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
const pad = (n: number) => String(n).padStart(10, '0');

/** Folds decoded events, each stream in version order, ignoring repeats of a version. */
export function foldReadModels(events: EventEnvelope[]): ReadModelSnapshot {
  const seen = new Set<string>();
  const ordered = events
    .filter((event) => {
      const id = `${event.streamId}@${event.streamVersion}`;
      return seen.has(id) ? false : (seen.add(id), true);
    })
    .sort(byKey((event) => `${event.streamId}@${pad(event.streamVersion)}`));
  const accounts = new Map<string, AccountSummary>();
  const transfers = new Map<string, Transfer>();
  const ledger: ReadModelSnapshot['ledger'] = [];
  for (const event of ordered) {
    const accountId = accountIdOfStream(event.streamId);
    const transferId = transferIdOfStream(event.streamId);
    if (accountId !== undefined) {
      const before = accounts.get(accountId);
      const entry = ledgerEntryOf(before?.balance ?? 0, event as never);
      if (entry)
        ledger.push({
          accountId,
          version: entry.version,
          kind: entry.kind,
          amount: entry.amount,
          balanceAfter: entry.balanceAfter,
        });
      const next = evolveAccountSummary(before, event as never);
      if (next) accounts.set(accountId, next);
    } else if (transferId !== undefined) {
      const next = evolveTransfer(transfers.get(transferId), event as never);
      if (next) transfers.set(transferId, next);
    }
  }
  const accountEvents = ordered.filter((event) => accountIdOfStream(event.streamId) !== undefined);
  return {
    accounts: [...accounts.values()]
      .map(({ accountId, ownerId, currency, balance, status, version, entryCount }) => ({
        accountId,
        ownerId,
        currency,
        balance,
        status,
        version,
        entryCount,
      }))
      .sort(byKey((row) => row.accountId)),
    ledger: ledger.sort(byKey((row) => `${row.accountId}@${pad(row.version)}`)),
    transfers: [...transfers.values()]
      .map(({ transferId, status, version, amount, reason }) => ({
        transferId,
        status,
        version,
        amount,
        reason,
      }))
      .sort(byKey((row) => row.transferId)),
    owners: portfolioDeltas(accountEvents as never, new Map()).map(
      ({ ownerId, currency, balance, accounts: count, openAccounts }) => ({
        ownerId,
        currency,
        balance: balance.toString(),
        accounts: count,
        openAccounts,
      }),
    ),
  };
}

/** Rows of the read tables keyed by column name, as SQL returns them or a bulk load writes them. */
export type TableRows = (table: string) => Record<string, unknown>[];

/** Read-table rows in the snapshot's shape and order (money and versions as numbers, owners with accounts). */
export function snapshotOfRows(rows: TableRows): ReadModelSnapshot {
  const n = (value: unknown) => Number(value);
  return {
    accounts: rows('accounts')
      .map((r) => ({
        accountId: r.account_id as string,
        ownerId: r.owner_id as string,
        currency: r.currency as string,
        balance: n(r.balance),
        status: r.status as string,
        version: n(r.version),
        entryCount: n(r.entry_count),
      }))
      .sort(byKey((row) => row.accountId)),
    ledger: rows('ledger_entries')
      .map((r) => ({
        accountId: r.account_id as string,
        version: n(r.version),
        kind: r.kind as string,
        amount: n(r.amount),
        balanceAfter: n(r.balance_after),
      }))
      .sort(byKey((row) => `${row.accountId}@${pad(row.version)}`)),
    transfers: rows('transfers')
      .map((r) => ({
        transferId: r.transfer_id as string,
        status: r.status as string,
        version: n(r.version),
        amount: n(r.amount),
        reason: (r.reason as string | null) ?? null,
      }))
      .sort(byKey((row) => row.transferId)),
    owners: rows('owner_balances')
      .map((r) => ({
        ownerId: r.owner_id as string,
        currency: r.currency as string,
        balance: String(r.balance),
        accounts: n(r.accounts),
        openAccounts: n(r.open_accounts),
      }))
      .filter((row) => row.accounts > 0)
      .sort(byKey((row) => `${row.ownerId}\u0000${row.currency}`)),
  };
}

/** The columns a snapshot compares, per read table. */
const SNAPSHOT_COLUMNS = {
  accounts: 'account_id, owner_id, currency, balance, status, version, entry_count',
  ledger_entries: 'account_id, version, kind, amount, balance_after',
  transfers: 'transfer_id, status, version, amount, reason',
  owner_balances: 'owner_id, currency, balance, accounts, open_accounts',
};

/** Reads the live read tables (or those of another schema) into the same shape. */
export async function readModelSnapshot(
  query: (sql: string) => Promise<Record<string, unknown>[]>,
  schema = 'public',
): Promise<ReadModelSnapshot> {
  const fetched = new Map<string, Record<string, unknown>[]>();
  for (const [table, columns] of Object.entries(SNAPSHOT_COLUMNS))
    fetched.set(table, await query(`SELECT ${columns} FROM ${schema}.${table}`));
  return snapshotOfRows((table) => fetched.get(table) ?? []);
}
