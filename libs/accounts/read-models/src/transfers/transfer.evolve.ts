import {
  TransferEventType,
  transferIdOfStream,
  type EventEnvelope,
  type TransferEvent,
} from '@tally/contracts';
import type { Transfer } from './transfer.entity';

type Envelope = EventEnvelope<TransferEvent['type']> & TransferEvent;

/**
 * Pure: the transfer view after one more event of its stream. Steps of a transfer the row does not
 * know yet (its `requested` event is missing) leave it unchanged.
 */
export function evolveTransfer(row: Transfer | undefined, event: Envelope): Transfer | undefined {
  const at = new Date(event.occurredAt);
  const step = (changes: Partial<Transfer>): Transfer | undefined =>
    row && { ...row, ...changes, version: event.streamVersion, updatedAt: at };
  switch (event.type) {
    case TransferEventType.Requested:
      return {
        transferId: transferIdOfStream(event.streamId) ?? event.data.transferId,
        fromAccountId: event.data.fromAccountId,
        toAccountId: event.data.toAccountId,
        amount: event.data.amount,
        currency: event.data.currency,
        status: 'requested',
        reason: null,
        refunded: null,
        version: event.streamVersion,
        requestedAt: at,
        debitedAt: null,
        completedAt: null,
        failedAt: null,
        updatedAt: at,
      };
    case TransferEventType.SourceDebited:
      return step({ status: 'debited', debitedAt: at });
    case TransferEventType.Completed:
      return step({ status: 'completed', completedAt: at });
    case TransferEventType.Failed:
      return step({
        status: 'failed',
        failedAt: at,
        reason: event.data.reason,
        refunded: event.data.refunded,
      });
    default:
      return row;
  }
}
