import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { RequireScope, Scope, notFound } from '@tally/http';
import { IsIn, IsISO4217CurrencyCode, IsOptional, IsString, Length, Matches } from 'class-validator';
import { accountExample, accountPageExample } from '../read-examples';
import { ReadRoute } from '../read-route.docs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource, type Repository } from 'typeorm';
import { visibleOwner, visibleTo } from '../access';
import { withEtag } from '../http-caching';
import { keysetPage } from '../pagination/keyset-page';
import { PageQuery } from '../pagination/page-query.dto';
import { AccountSummary } from './account-summary.entity';
import { AccountSummaryLoader } from './account-summary.loader';
import { accountView, AccountSummaryView } from './account-summary.view';

export class AccountPage {
  @ApiProperty({ type: [AccountSummaryView] }) items!: AccountSummaryView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  nextCursor!: string | null;
}

/** Sorts on immutable keys only (with the account id as tie-breaker), so pages never shift. */
const sorts = {
  openedAt: { columns: ['openedAt', 'accountId'], descending: false },
  '-openedAt': { columns: ['openedAt', 'accountId'], descending: true },
  accountId: { columns: ['accountId'], descending: false },
  '-accountId': { columns: ['accountId'], descending: true },
} as const;
type Sort = keyof typeof sorts;

export class ListAccountsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'alice' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._@-]+$/, { message: 'ownerId may contain only letters, digits and . _ @ -' })
  ownerId?: string;

  @ApiPropertyOptional({ enum: ['open', 'closed'] })
  @IsOptional()
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';

  @ApiPropertyOptional({ example: 'EUR' })
  @IsOptional()
  @IsISO4217CurrencyCode()
  currency?: string;

  @ApiPropertyOptional({ enum: Object.keys(sorts), default: 'openedAt', description: '- for descending' })
  @IsOptional()
  @IsIn(Object.keys(sorts))
  sort?: Sort;
}

@ApiTags('accounts')
@Controller('accounts')
export class AccountSummaryHttp {
  private readonly summaries: AccountSummaryLoader;

  constructor(
    @InjectRepository(AccountSummary) private readonly accounts: Repository<AccountSummary>,
    dataSource: DataSource,
  ) {
    this.summaries = AccountSummaryLoader.over(dataSource);
  }

  @Get()
  @RequireScope(Scope.Read)
  @ReadRoute({
    operationId: 'listAccounts',
    summary: 'List accounts',
    description: "Your own accounts (an admin: anyone's), filtered and sorted, a keyset page at a time.",
    ok: {
      type: AccountPage,
      description: 'Keyset-paginated; filters combine with AND. Only your own accounts unless admin',
      example: accountPageExample,
    },
    problems: { 400: ['invalid-cursor'], 403: ['owner-mismatch'] },
  })
  async list(@Query() filters: ListAccountsQuery, @Req() request: FastifyRequest): Promise<AccountPage> {
    const query = { ...filters, ownerId: visibleOwner(request, filters.ownerId) };
    const sortName = query.sort ?? 'openedAt';
    const fingerprint = JSON.stringify([sortName, query.ownerId, query.status, query.currency]);
    const builder = this.accounts.createQueryBuilder('a');
    if (query.ownerId) builder.andWhere('a.ownerId = :ownerId', { ownerId: query.ownerId });
    if (query.status) builder.andWhere('a.status = :status', { status: query.status });
    if (query.currency) builder.andWhere('a.currency = :currency', { currency: query.currency });
    const { rows, nextCursor } = await keysetPage(builder, sorts[sortName], {
      limit: query.limit ?? 50,
      cursor: query.cursor,
      fingerprint,
    });
    return { items: rows.map(accountView), nextCursor };
  }

  @Get(':id')
  @RequireScope(Scope.Read)
  @ReadRoute({
    operationId: 'getAccount',
    summary: 'Get an account',
    ok: { type: AccountSummaryView, description: 'ETag is the account version', example: accountExample },
    etag: true,
    problems: { 400: ['bad-request'], 404: ['not-found'] },
  })
  async get(
    @Param('id', ParseUUIDPipe) accountId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountSummaryView | undefined> {
    const row = await this.summaries.byId(accountId);
    // Someone else's account is answered exactly as a missing one: its existence is not revealed.
    if (!row || !visibleTo(request, row.ownerId)) throw notFound('Account', accountId);
    return withEtag(request, reply, `"${row.version}"`, accountView(row));
  }
}
