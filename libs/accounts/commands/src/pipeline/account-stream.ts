import { accountDecider, type AccountCommand, type AccountState } from '@tally/accounts-domain';
import { accountStreamId, currentAccountSchemaVersion, type AccountEvent } from '@tally/contracts';
import type { StreamOf } from './command-pipeline';

export type AccountStream = StreamOf<AccountCommand, AccountEvent, AccountState>;

export const accountStream = (accountId: string): AccountStream => ({
  streamId: accountStreamId(accountId),
  streamType: 'account',
  decider: accountDecider,
  schemaVersionOf: (type) => currentAccountSchemaVersion[type],
  snapshotKind: 'account-state@1',
});
