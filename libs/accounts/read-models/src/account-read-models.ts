import { CreateParkedEvents1764316800110, CreateStreamPositions1764316800100 } from '@tally/projections';
import { AccountSummary } from './account-summary/account-summary.entity';
import { AccountSummaryHttp } from './account-summary/account-summary.http';
import { AccountSummaryProjection } from './account-summary/account-summary.projection';
import { LedgerEntry } from './ledger/ledger-entry.entity';
import { LedgerHttp } from './ledger/ledger.http';
import { LedgerProjection } from './ledger/ledger.projection';
import { CreateAccounts1764316800200 } from './migrations/1764316800200-create-accounts';
import { CreateLedgerTransfersPortfolio1764316800210 } from './migrations/1764316800210-create-ledger-transfers-portfolio';
import { LeastPrivilegeRole1764316800900 } from './migrations/1764316800900-least-privilege-role';
import { OwnerBalance } from './owner-portfolio/owner-balance.entity';
import { OwnerPortfolioHttp } from './owner-portfolio/owner-portfolio.http';
import { OwnerPortfolioProjection } from './owner-portfolio/owner-portfolio.projection';
import { Transfer } from './transfers/transfer.entity';
import { TransferHttp } from './transfers/transfer.http';
import { TransferProjection } from './transfers/transfer.projection';

/** Everything the query service composes for the account read models, in one place. */
export const accountReadModels = {
  /** Names the stream positions of these read tables (consistency tokens wait on it). */
  projector: 'accounts',
  entities: [AccountSummary, LedgerEntry, Transfer, OwnerBalance],
  /** The tables the projections write; a rebuild recreates and swaps exactly these. */
  tables: ['accounts', 'ledger_entries', 'transfers', 'owner_balances'],
  migrations: [
    CreateStreamPositions1764316800100,
    CreateParkedEvents1764316800110,
    CreateAccounts1764316800200,
    CreateLedgerTransfersPortfolio1764316800210,
    LeastPrivilegeRole1764316800900,
  ],
  controllers: [AccountSummaryHttp, LedgerHttp, TransferHttp, OwnerPortfolioHttp],
  projections: () => [
    new AccountSummaryProjection(),
    new LedgerProjection(),
    new TransferProjection(),
    new OwnerPortfolioProjection(),
  ],
};
