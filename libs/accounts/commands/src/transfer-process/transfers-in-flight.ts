import { Injectable } from '@nestjs/common';
import { TransactionScope, type Fence } from '@tally/event-store';
import { traceFieldsOf, type StoredTraceFields } from '@tally/tracing';

/** Notified when a transfer is requested, so the process manager starts on it at once. */
export const TRANSFERS_CHANNEL = 'tally_transfers_requested';

export interface TransferInFlight extends StoredTraceFields {
  transferId: string;
  correlationId: string;
  /** The code the target refused the credit with, once it did: the transfer is being refunded. */
  creditRefused?: string;
}

/** The transfers_in_flight table; writes run on the current transaction, with the transfer's events. */
@Injectable()
export class TransfersInFlight {
  constructor(private readonly scope: TransactionScope) {}

  /** Keeps the active trace context (the requesting request's, when traced) for the steps. */
  async add(transfer: TransferInFlight): Promise<void> {
    const { traceparent = null, tracestate = null } = traceFieldsOf();
    await this.scope.db.query(
      `WITH added AS (INSERT INTO transfers_in_flight (transfer_id, correlation_id, traceparent, tracestate)
         VALUES ($1, $2, $3, $4) RETURNING 1)
       SELECT pg_notify('${TRANSFERS_CHANNEL}', '') FROM added`,
      [transfer.transferId, transfer.correlationId, traceparent, tracestate],
    );
  }

  async remove(transferId: string): Promise<void> {
    await this.scope.db.query('DELETE FROM transfers_in_flight WHERE transfer_id = $1', [transferId]);
  }

  /** Unfinished transfers whose next attempt is due, oldest first. */
  async due(limit: number): Promise<TransferInFlight[]> {
    const { rows } = await this.scope.db.query<TransferInFlight>(
      `SELECT transfer_id AS "transferId", correlation_id AS "correlationId",
         credit_refused AS "creditRefused", traceparent, tracestate FROM transfers_in_flight
       WHERE next_attempt_at <= now() ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    return rows;
  }

  /** Committed before the refund starts, so a resumed transfer refunds instead of retrying the credit. */
  async recordCreditRefused(transferId: string, reason: string): Promise<void> {
    await this.scope.db.query('UPDATE transfers_in_flight SET credit_refused = $2 WHERE transfer_id = $1', [
      transferId,
      reason,
    ]);
  }

  /** Backs off exponentially (capped at a minute) after a step failed for a technical reason. */
  async postpone(transferId: string, error: string, fence: Fence): Promise<void> {
    await this.scope.run(async (db) => {
      await fence.check(db);
      await db.query(
        `UPDATE transfers_in_flight SET attempts = attempts + 1, last_error = $2,
         next_attempt_at = now() + least(interval '1 minute', interval '100 milliseconds' * 2 ^ least(attempts, 10))
       WHERE transfer_id = $1`,
        [transferId, error.slice(0, 1_000)],
      );
    });
  }

  async count(): Promise<number> {
    const { rows } = await this.scope.db.query('SELECT count(*)::int AS n FROM transfers_in_flight');
    return rows[0].n;
  }
}
