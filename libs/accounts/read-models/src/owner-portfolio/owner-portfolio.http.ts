import { createHash } from 'node:crypto';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequireScope, Scope, notFound } from '@tally/http';
import { Length, Matches } from 'class-validator';
import { portfolioExample } from '../read-examples';
import { ReadRoute } from '../read-route.docs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { visibleOwner } from '../access';
import { AccountSummary } from '../account-summary/account-summary.entity';
import { accountView, AccountSummaryView } from '../account-summary/account-summary.view';
import { withEtag } from '../http-caching';
import { OwnerBalance } from './owner-balance.entity';

/** The portfolio lists at most this many accounts; `GET /accounts?ownerId=` pages through all. */
export const PORTFOLIO_ACCOUNT_LIMIT = 200;

export class OwnerParams {
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._@-]+$/, { message: 'ownerId may contain only letters, digits and . _ @ -' })
  ownerId!: string;
}

export class CurrencyTotal {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({
    type: String,
    pattern: '^-?[0-9]+$',
    example: '300',
    description:
      'Sum of the balances, minor units, as a decimal string: a total over many accounts can pass 2^53, ' +
      'beyond which a JSON number loses cents in most clients',
  })
  balance!: string;
  @ApiProperty() accounts!: number;
  @ApiProperty() openAccounts!: number;
}

export class PortfolioView {
  @ApiProperty() ownerId!: string;
  @ApiProperty({ type: [CurrencyTotal] }) totals!: CurrencyTotal[];
  @ApiProperty({
    type: [AccountSummaryView],
    description: `Oldest first, at most ${PORTFOLIO_ACCOUNT_LIMIT}`,
  })
  accounts!: AccountSummaryView[];
  @ApiProperty({ description: 'More accounts than listed: page through GET /accounts?ownerId=' })
  moreAccounts!: boolean;
}

@ApiTags('owners')
@Controller('owners')
export class OwnerPortfolioHttp {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':ownerId/portfolio')
  @RequireScope(Scope.Read)
  @ReadRoute({
    operationId: 'getOwnerPortfolio',
    summary: "Get an owner's portfolio",
    description: "The owner's accounts and totals per currency; only your own unless admin.",
    ok: { type: PortfolioView, description: 'ETag is a hash of the content', example: portfolioExample },
    etag: true,
    problems: { 403: ['owner-mismatch'] },
  })
  async get(
    @Param() { ownerId }: OwnerParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PortfolioView | undefined> {
    visibleOwner(request, ownerId);
    // One snapshot for totals and accounts: both change in the same projection transaction.
    const [totals, accounts] = await this.dataSource.transaction('REPEATABLE READ', (tx) =>
      Promise.all([
        tx.getRepository(OwnerBalance).find({ where: { ownerId }, order: { currency: 'ASC' } }),
        tx.getRepository(AccountSummary).find({
          where: { ownerId },
          order: { openedAt: 'ASC', accountId: 'ASC' },
          take: PORTFOLIO_ACCOUNT_LIMIT + 1,
        }),
      ]),
    );
    if (totals.length === 0) throw notFound('Owner', ownerId);
    const view: PortfolioView = {
      ownerId,
      totals: totals.map(({ currency, balance, accounts: count, openAccounts }) => ({
        currency,
        balance,
        accounts: count,
        openAccounts,
      })),
      accounts: accounts.slice(0, PORTFOLIO_ACCOUNT_LIMIT).map(accountView),
      moreAccounts: accounts.length > PORTFOLIO_ACCOUNT_LIMIT,
    };
    const etag = `"${createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 27)}"`;
    return withEtag(request, reply, etag, view);
  }
}
