import { CreateStreamPositions1764316800100 } from '@tally/projections';
import { AccountSummary } from './account-summary/account-summary.entity';
import { AccountSummaryHttp } from './account-summary/account-summary.http';
import { AccountSummaryProjection } from './account-summary/account-summary.projection';
import { CreateAccounts1764316800200 } from './migrations/1764316800200-create-accounts';

/** Everything the query service composes for the account read models, in one place. */
export const accountReadModels = {
  entities: [AccountSummary],
  migrations: [CreateStreamPositions1764316800100, CreateAccounts1764316800200],
  controllers: [AccountSummaryHttp],
  projections: () => [new AccountSummaryProjection()],
};
