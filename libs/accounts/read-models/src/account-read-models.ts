import {
  CreateDeadLetterMarks1764316800140,
  CreateParkedEvents1764316800110,
  CreateProjectionCatalog1764316800120,
  CreateProjectionProgress1764316800130,
  CreateStreamPositions1764316800100,
} from '@tally/projections';
import { AccountAccess } from './access';
import { accountSummarySlice } from './account-summary/account-summary.slice';
import { ledgerSlice } from './ledger/ledger.slice';
import { LeastPrivilegeRole1764316800900 } from './migrations/1764316800900-least-privilege-role';
import { ownerPortfolioSlice } from './owner-portfolio/owner-portfolio.slice';
import { transferSlice } from './transfers/transfer.slice';

/** In the order their projections apply a batch (the owner portfolio looks up owners in `accounts`). */
const slices = [accountSummarySlice, ledgerSlice, transferSlice, ownerPortfolioSlice];

/** Everything the query service composes for the account read models, in one place. */
export const accountReadModels = {
  /** Names the stream positions of these read tables (consistency tokens wait on it). */
  projector: 'accounts',
  entities: slices.flatMap((slice) => slice.entities),
  /** The tables the projections write; a rebuild recreates and swaps exactly these. */
  tables: slices.flatMap((slice) => slice.tables),
  migrations: [
    CreateStreamPositions1764316800100,
    CreateParkedEvents1764316800110,
    CreateProjectionCatalog1764316800120,
    CreateProjectionProgress1764316800130,
    CreateDeadLetterMarks1764316800140,
    ...slices.flatMap((slice) => slice.migrations),
    // Grants on every table: last, whatever the slices add.
    LeastPrivilegeRole1764316800900,
  ],
  controllers: slices.flatMap((slice) => slice.controllers),
  /** What the controllers share: who may see which account. */
  providers: [AccountAccess],
  projections: () => slices.map((slice) => slice.projection()),
};
