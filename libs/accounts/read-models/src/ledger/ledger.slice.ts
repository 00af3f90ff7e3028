import type { ReadModelSlice } from '../read-model-slice';
import { LedgerEntry } from './ledger-entry.entity';
import { LedgerHttp } from './ledger.http';
import { LedgerProjection } from './ledger.projection';
import { CreateLedgerEntries1764316800212 } from './migrations/1764316800212-create-ledger-entries';

export const ledgerSlice: ReadModelSlice = {
  tables: ['ledger_entries'],
  migrations: [CreateLedgerEntries1764316800212],
  entities: [LedgerEntry],
  controllers: [LedgerHttp],
  projection: () => new LedgerProjection(),
};
