import { AccountEventType, accountIdOfStream, type AccountEvent, type EventEnvelope } from '@tally/contracts';

type Envelope = EventEnvelope<AccountEvent['type']> & AccountEvent;

export interface AccountOwnership {
  ownerId: string;
  currency: string;
}

export interface PortfolioDelta extends AccountOwnership {
  /** bigint: a sum over many accounts (and a batch's or a rebuild's many events) can pass 2^53. */
  balance: bigint;
  accounts: number;
  openAccounts: number;
}

/**
 * Pure: what a batch of account events adds to each (owner, currency) total. Deltas, not new
 * totals: they are added to the stored rows, so batches applied concurrently by different replicas
 * commute. `known` says whose account an event belongs to when its `opened` event is not in the
 * batch. Sorted by owner and currency, the order rows are then locked in (no deadlocks).
 */
export function portfolioDeltas(
  events: Envelope[],
  known: ReadonlyMap<string, AccountOwnership>,
): PortfolioDelta[] {
  const owners = new Map(known);
  const deltas = new Map<string, PortfolioDelta>();
  const add = (accountId: string, change: Partial<Omit<PortfolioDelta, keyof AccountOwnership>>) => {
    const owner = owners.get(accountId);
    if (!owner) return;
    const key = `${owner.ownerId}\u0000${owner.currency}`;
    const delta = deltas.get(key) ?? { ...owner, balance: 0n, accounts: 0, openAccounts: 0 };
    delta.balance += change.balance ?? 0n;
    delta.accounts += change.accounts ?? 0;
    delta.openAccounts += change.openAccounts ?? 0;
    deltas.set(key, delta);
  };
  for (const event of events) {
    const accountId = accountIdOfStream(event.streamId);
    if (accountId === undefined) continue;
    switch (event.type) {
      case AccountEventType.Opened:
        owners.set(accountId, { ownerId: event.data.ownerId, currency: event.data.currency });
        add(accountId, { accounts: 1, openAccounts: 1 });
        break;
      case AccountEventType.Closed:
        add(accountId, { openAccounts: -1 });
        break;
      case AccountEventType.MoneyDeposited:
      case AccountEventType.TransferCredited:
      case AccountEventType.TransferRefunded:
        add(accountId, { balance: BigInt(event.data.amount) });
        break;
      case AccountEventType.MoneyWithdrawn:
      case AccountEventType.TransferDebited:
        add(accountId, { balance: -BigInt(event.data.amount) });
        break;
      case AccountEventType.BalanceAdjusted:
        add(accountId, { balance: BigInt(event.data.amount) }); // signed
        break;
    }
  }
  return [...deltas.values()].sort(
    (a, b) => compare(a.ownerId, b.ownerId) || compare(a.currency, b.currency),
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
