import { AccountEventType, accountIdOfStream, type AccountEvent, type EventEnvelope } from '@tally/contracts';
import type { AccountSummary } from './account-summary.entity';

type Envelope = EventEnvelope<AccountEvent['type']> & AccountEvent;

/**
 * Pure: the summary after one more event of the account's stream. Events of other streams, or
 * money movements of an account the row does not know yet, leave it unchanged.
 */
export function evolveAccountSummary(
  row: AccountSummary | undefined,
  event: Envelope,
): AccountSummary | undefined {
  const at = new Date(event.occurredAt);
  const moved = (delta: number): AccountSummary | undefined =>
    row && {
      ...row,
      balance: row.balance + delta,
      entryCount: row.entryCount + 1,
      version: event.streamVersion,
      updatedAt: at,
    };
  switch (event.type) {
    case AccountEventType.Opened:
      return {
        accountId: accountIdOfStream(event.streamId) ?? event.data.accountId,
        ownerId: event.data.ownerId,
        currency: event.data.currency,
        balance: 0,
        status: 'open',
        version: event.streamVersion,
        entryCount: 0,
        openedAt: at,
        updatedAt: at,
      };
    case AccountEventType.MoneyDeposited:
    case AccountEventType.TransferCredited:
    case AccountEventType.TransferRefunded:
      return moved(event.data.amount);
    case AccountEventType.MoneyWithdrawn:
    case AccountEventType.TransferDebited:
      return moved(-event.data.amount);
    case AccountEventType.BalanceAdjusted:
      return moved(event.data.amount); // signed
    case AccountEventType.Closed:
      return row && { ...row, status: 'closed', version: event.streamVersion, updatedAt: at };
  }
}
