import { AccountEventType, accountIdOfStream, type AccountEvent, type EventEnvelope } from '@tally/contracts';
import type { LedgerEntry } from './ledger-entry.entity';

type Envelope = EventEnvelope<AccountEvent['type']> & AccountEvent;

/**
 * Pure: the ledger entry an account event adds, given the balance before it; undefined for events
 * that move no money (opened, closed) and for other streams.
 */
export function ledgerEntryOf(balanceBefore: number, event: Envelope): LedgerEntry | undefined {
  const accountId = accountIdOfStream(event.streamId);
  if (accountId === undefined) return undefined;
  const entry = (
    kind: LedgerEntry['kind'],
    amount: number,
    extra: Partial<Pick<LedgerEntry, 'transferId' | 'counterpartyAccountId' | 'source'>> = {},
  ): LedgerEntry => ({
    accountId,
    version: event.streamVersion,
    kind,
    amount,
    balanceAfter: balanceBefore + amount,
    occurredAt: new Date(event.occurredAt),
    transferId: extra.transferId ?? null,
    counterpartyAccountId: extra.counterpartyAccountId ?? null,
    source: extra.source ?? null,
  });
  switch (event.type) {
    case AccountEventType.MoneyDeposited:
      return entry('deposit', event.data.amount, { source: event.data.source ?? null });
    case AccountEventType.MoneyWithdrawn:
      return entry('withdrawal', -event.data.amount);
    case AccountEventType.TransferDebited:
      return entry('transfer-debit', -event.data.amount, {
        transferId: event.data.transferId,
        counterpartyAccountId: event.data.toAccountId,
      });
    case AccountEventType.TransferCredited:
      return entry('transfer-credit', event.data.amount, {
        transferId: event.data.transferId,
        counterpartyAccountId: event.data.fromAccountId,
      });
    case AccountEventType.TransferRefunded:
      return entry('transfer-refund', event.data.amount, { transferId: event.data.transferId });
    case AccountEventType.BalanceAdjusted:
      return entry('adjustment', event.data.amount); // signed; its reason is in the account's history
    default:
      return undefined;
  }
}
