import type { ReadModelSlice } from '../read-model-slice';
import { CreateOwnerBalances1764316800214 } from './migrations/1764316800214-create-owner-balances';
import { OwnerBalance } from './owner-balance.entity';
import { OwnerPortfolioHttp } from './owner-portfolio.http';
import { OwnerPortfolioProjection } from './owner-portfolio.projection';

export const ownerPortfolioSlice: ReadModelSlice = {
  tables: ['owner_balances'],
  migrations: [CreateOwnerBalances1764316800214],
  entities: [OwnerBalance],
  controllers: [OwnerPortfolioHttp],
  projection: () => new OwnerPortfolioProjection(),
};
