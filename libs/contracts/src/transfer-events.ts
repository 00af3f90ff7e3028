import type { DomainEvent } from './event-envelope';

/**
 * Transfer events, schema version 1: the durable state of the transfer process manager, one stream
 * per transfer. A transfer moves `amount` minor units between two accounts of the same currency:
 * requested → source debited → completed, or → failed (with the source refunded if it was debited).
 */
export const TransferEventType = {
  Requested: 'tally.transfer.requested',
  SourceDebited: 'tally.transfer.source-debited',
  Completed: 'tally.transfer.completed',
  Failed: 'tally.transfer.failed',
} as const;

export type TransferRequested = DomainEvent<
  typeof TransferEventType.Requested,
  { transferId: string; fromAccountId: string; toAccountId: string; amount: number; currency: string }
>;
export type TransferSourceDebited = DomainEvent<
  typeof TransferEventType.SourceDebited,
  Record<string, never>
>;
export type TransferCompleted = DomainEvent<typeof TransferEventType.Completed, Record<string, never>>;
/** `reason` is a public problem code (e.g. `insufficient-funds`, `account-closed`). */
export type TransferFailed = DomainEvent<
  typeof TransferEventType.Failed,
  { reason: string; refunded: boolean }
>;

export type TransferEvent = TransferRequested | TransferSourceDebited | TransferCompleted | TransferFailed;

export const currentTransferSchemaVersion: Record<TransferEvent['type'], number> = {
  [TransferEventType.Requested]: 1,
  [TransferEventType.SourceDebited]: 1,
  [TransferEventType.Completed]: 1,
  [TransferEventType.Failed]: 1,
};

export const transferStreamId = (transferId: string): string => `transfer-${transferId}`;

export const transferIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('transfer-') ? streamId.slice('transfer-'.length) : undefined;
