import type { ReadModelSlice } from '../read-model-slice';
import { LedgerEntry } from './ledger-entry.entity';
import { LedgerHttp } from './ledger.http';
import { LedgerProjection } from './ledger.projection';
import { CreateLedgerEntries1764316800212 } from './migrations/1764316800212-create-ledger-entries';
import { LedgerAdjustmentEntries1764316801310 } from './migrations/1764316801310-ledger-adjustment-entries';

export const ledgerSlice: ReadModelSlice = {
  tables: ['ledger_entries'],
  migrations: [CreateLedgerEntries1764316800212, LedgerAdjustmentEntries1764316801310],
  entities: [LedgerEntry],
  controllers: [LedgerHttp],
  projection: () => new LedgerProjection(),
};
