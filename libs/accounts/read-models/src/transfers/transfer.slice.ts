import type { ReadModelSlice } from '../read-model-slice';
import { CreateTransfers1764316800213 } from './migrations/1764316800213-create-transfers';
import { Transfer } from './transfer.entity';
import { TransferHttp } from './transfer.http';
import { TransferProjection } from './transfer.projection';

export const transferSlice: ReadModelSlice = {
  tables: ['transfers'],
  migrations: [CreateTransfers1764316800213],
  entities: [Transfer],
  controllers: [TransferHttp],
  projection: () => new TransferProjection(),
};
