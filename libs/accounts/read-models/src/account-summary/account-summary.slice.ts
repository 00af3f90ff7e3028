import type { ReadModelSlice } from '../read-model-slice';
import { AccountSummary } from './account-summary.entity';
import { AccountSummaryHttp } from './account-summary.http';
import { AccountSummaryProjection } from './account-summary.projection';
import { CreateAccounts1764316800200 } from './migrations/1764316800200-create-accounts';
import { CreateAccountListingIndexes1764316800211 } from './migrations/1764316800211-create-account-listing-indexes';

export const accountSummarySlice: ReadModelSlice = {
  tables: ['accounts'],
  migrations: [CreateAccounts1764316800200, CreateAccountListingIndexes1764316800211],
  entities: [AccountSummary],
  controllers: [AccountSummaryHttp],
  projection: () => new AccountSummaryProjection(),
};
