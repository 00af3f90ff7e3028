import { transferDecider, type TransferState } from '@tally/accounts-domain';
import { currentTransferSchemaVersion, transferStreamId, type TransferEvent } from '@tally/contracts';
import type { StreamOf } from './command-pipeline';

/** A transfer's stream is at most four events long: no snapshots. */
export const transferStream = (transferId: string): StreamOf<TransferState> => ({
  streamId: transferStreamId(transferId),
  streamType: 'transfer',
  decider: transferDecider as StreamOf<TransferState>['decider'],
  schemaVersionOf: (type) => currentTransferSchemaVersion[type as TransferEvent['type']],
});
