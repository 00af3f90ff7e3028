import { context, trace } from '@opentelemetry/api';
import { contextOfFields, endSpan, isTraced, tallyTracer } from '@tally/tracing';
import type { TransferInFlight } from './transfers-in-flight';

/**
 * Runs a transfer's steps in the trace of the request that asked for it (kept with the transfer in
 * flight): a `transfer` span under that request, and each step's command span under it, so the
 * debit, the credit or refund, and their events down to the read side join the request's trace.
 * An untraced transfer runs as it is.
 */
export async function inTransferTrace<T>(row: TransferInFlight, work: () => Promise<T>): Promise<T> {
  const parent = contextOfFields(row);
  if (!isTraced(parent)) return work();
  const span = tallyTracer().startSpan(
    'transfer',
    { attributes: { 'tally.transfer.id': row.transferId, 'tally.correlation_id': row.correlationId } },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), work);
    endSpan(span);
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}
