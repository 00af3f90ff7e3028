import type { Queryable } from '@tally/event-store';

export interface MoneyLedger {
  /** Sum of every account's balance, from its events. */
  balances: number;
  /** Debited from a source, neither credited to the target nor refunded yet. */
  inFlight: number;
  /** Money that entered and left the system. */
  deposits: number;
  withdrawals: number;
  /** Operators' corrections (balance-adjusted), signed: money they added minus money they removed. */
  adjustments: number;
  /** Transfer ids with more than one debit, or both a credit and a refund, or a credit/refund without a debit. */
  anomalies: string[];
}

/**
 * The conservation check, as ONE statement (one snapshot of the store, one instant): the invariant
 * is balances + in flight = deposits − withdrawals + adjustments, where a transfer is in flight from its debit
 * until its credit or refund. For tests and for operators' spot checks.
 */
export async function moneyLedger(db: Queryable): Promise<MoneyLedger> {
  const { rows } = await db.query(`
    WITH account_events AS (
      SELECT event_type AS type, (data->>'amount')::bigint AS amount, data->>'transferId' AS transfer_id
      FROM events WHERE stream_id LIKE 'account-%'
    ), per_transfer AS (
      SELECT transfer_id,
        count(*) FILTER (WHERE type = 'tally.account.transfer-debited') AS debits,
        count(*) FILTER (WHERE type IN ('tally.account.transfer-credited', 'tally.account.transfer-refunded')) AS settlements,
        max(amount) FILTER (WHERE type = 'tally.account.transfer-debited') AS amount
      FROM account_events WHERE transfer_id IS NOT NULL GROUP BY transfer_id
    )
    SELECT
      (SELECT coalesce(sum(CASE WHEN type IN ('tally.account.money-deposited', 'tally.account.transfer-credited',
          'tally.account.transfer-refunded', 'tally.account.balance-adjusted') THEN amount
        WHEN type IN ('tally.account.money-withdrawn', 'tally.account.transfer-debited') THEN -amount ELSE 0 END), 0)
        FROM account_events)::text AS balances,
      (SELECT coalesce(sum(amount), 0) FROM per_transfer WHERE debits = 1 AND settlements = 0)::text AS in_flight,
      (SELECT coalesce(sum(amount), 0) FROM account_events WHERE type = 'tally.account.money-deposited')::text AS deposits,
      (SELECT coalesce(sum(amount), 0) FROM account_events WHERE type = 'tally.account.money-withdrawn')::text AS withdrawals,
      (SELECT coalesce(sum(amount), 0) FROM account_events WHERE type = 'tally.account.balance-adjusted')::text AS adjustments,
      (SELECT coalesce(array_agg(transfer_id), '{}') FROM per_transfer
        WHERE debits > 1 OR settlements > 1 OR (settlements > 0 AND debits = 0)) AS anomalies`);
  const row = rows[0];
  return {
    balances: Number(row.balances),
    inFlight: Number(row.in_flight),
    deposits: Number(row.deposits),
    withdrawals: Number(row.withdrawals),
    adjustments: Number(row.adjustments),
    anomalies: row.anomalies,
  };
}
