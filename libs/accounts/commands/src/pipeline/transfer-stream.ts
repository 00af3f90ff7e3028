import { transferDecider, type TransferCommand, type TransferState } from '@tally/accounts-domain';
import { currentTransferSchemaVersion, transferStreamId, type TransferEvent } from '@tally/contracts';
import type { StreamOf } from './command-pipeline';

export type TransferStream = StreamOf<TransferCommand, TransferEvent, TransferState>;

/** A transfer's stream is at most four events long: no snapshots. */
export const transferStream = (transferId: string): TransferStream => ({
  streamId: transferStreamId(transferId),
  streamType: 'transfer',
  decider: transferDecider,
  schemaVersionOf: (type) => currentTransferSchemaVersion[type],
});
