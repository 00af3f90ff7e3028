import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import {
  ProblemException,
  RequireScope,
  Scope,
  isAdmin,
  mayAccess,
  notFound,
  principalOf,
} from '@tally/http';
import { IsIn, IsISO4217CurrencyCode, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource, type Repository } from 'typeorm';
import { withEtag } from '../http-caching';
import { decodeCursor, encodeCursor } from '../keyset-cursor';
import { PageQuery } from '../read-query.dto';
import { AccountSummary } from './account-summary.entity';
import { AccountSummaryLoader } from './account-summary.loader';

export class AccountSummaryView {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Minor units (cents)', example: 500 }) balance!: number;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: string;
  @ApiProperty({ description: 'The account stream version this view reflects' }) version!: number;
  @ApiProperty({ description: 'Money movements so far (ledger entries)' }) entryCount!: number;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

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

/** Whether the caller may read what `ownerId` owns (no principal: the app has no authentication). */
export const visibleTo = (request: FastifyRequest, ownerId: string): boolean => {
  const principal = principalOf(request);
  return !principal || mayAccess(principal, ownerId);
};

/**
 * The owner whose accounts a caller may list: themselves by default, and only themselves unless
 * admin. Asking for another owner is 403 whether or not that owner exists, so nothing is revealed.
 */
export const visibleOwner = (request: FastifyRequest, ownerId: string | undefined): string | undefined => {
  const principal = principalOf(request);
  if (!principal || isAdmin(principal)) return ownerId;
  if (ownerId !== undefined && ownerId !== principal.subject)
    throw new ProblemException(
      403,
      'owner-mismatch',
      'Forbidden',
      'Only your own accounts: ownerId must be the subject of your token (or leave it out).',
    );
  return principal.subject;
};

export const accountView = (row: AccountSummary): AccountSummaryView => ({
  ...row,
  openedAt: row.openedAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

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
  @ApiOkResponse({
    type: AccountPage,
    description: 'Keyset-paginated; filters combine with AND. Only your own accounts unless admin',
  })
  @ApiResponse({ status: 403, description: 'owner-mismatch: ownerId is not your token subject' })
  async list(@Query() filters: ListAccountsQuery, @Req() request: FastifyRequest): Promise<AccountPage> {
    const query = { ...filters, ownerId: visibleOwner(request, filters.ownerId) };
    const sortName = query.sort ?? 'openedAt';
    const sort = sorts[sortName];
    const limit = query.limit ?? 50;
    const fingerprint = JSON.stringify([sortName, query.ownerId, query.status, query.currency]);
    const builder = this.accounts.createQueryBuilder('a');
    if (query.ownerId) builder.andWhere('a.ownerId = :ownerId', { ownerId: query.ownerId });
    if (query.status) builder.andWhere('a.status = :status', { status: query.status });
    if (query.currency) builder.andWhere('a.currency = :currency', { currency: query.currency });
    if (query.cursor) {
      const key = decodeCursor(query.cursor, fingerprint, sort.columns.length);
      const names = sort.columns.map((_, i) => `:k${i}`);
      const params = Object.fromEntries(key.map((value, i) => [`k${i}`, value]));
      // Row comparison: strictly after the last row served, in the sort's direction.
      builder.andWhere(
        `(${sort.columns.map((c) => `a.${c}`).join(', ')}) ${sort.descending ? '<' : '>'} (${names.join(', ')})`,
        params,
      );
    }
    for (const column of sort.columns) builder.addOrderBy(`a.${column}`, sort.descending ? 'DESC' : 'ASC');
    const rows = await builder.limit(limit + 1).getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({
            query: fingerprint,
            key: sort.columns.map((c) => (c === 'openedAt' ? last.openedAt.toISOString() : last.accountId)),
          })
        : null;
    return { items: page.map(accountView), nextCursor };
  }

  @Get(':id')
  @RequireScope(Scope.Read)
  @ApiOkResponse({ type: AccountSummaryView, description: 'ETag is the account version' })
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
