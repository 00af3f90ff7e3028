import { accountDecider, type AccountState } from '@tally/accounts-domain';
import { accountStreamId, currentAccountSchemaVersion, type AccountEvent } from '@tally/contracts';
import type { StreamOf } from './command-pipeline';

export const accountStream = (accountId: string): StreamOf<AccountState> => ({
  streamId: accountStreamId(accountId),
  streamType: 'account',
  decider: accountDecider as StreamOf<AccountState>['decider'],
  schemaVersionOf: (type) => currentAccountSchemaVersion[type as AccountEvent['type']],
  snapshotKind: 'account-state@1',
});
