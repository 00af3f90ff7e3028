import { createHash } from 'node:crypto';

/**
 * The id of the event a transfer step writes, derived from the transfer and the step (a name-based
 * UUID, version 5 layout over SHA-256). Retrying a step yields the same id, and the store's unique
 * event id turns a second application into a no-op instead of a second movement of money.
 */
export function stepEventId(transferId: string, step: string): string {
  const bytes = createHash('sha256').update(`tally.transfer:${transferId}:${step}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const stepEventIds =
  (transferId: string, step: string) =>
  (index: number): string =>
    stepEventId(transferId, index === 0 ? step : `${step}#${index}`);
