import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { ProblemException, RequireScope, Scope } from '@tally/http';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { balanceExample, ledgerPageExample } from '../read-examples';
import { ReadRoute } from '../read-route.docs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Repository } from 'typeorm';
import { AccountAccess } from '../access';
import { withEtag } from '../http-caching';
import { keysetPage } from '../pagination/keyset-page';
import { PageQuery } from '../pagination/page-query.dto';
import { LedgerEntry } from './ledger-entry.entity';

const instant = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/;
const instantMessage = (field: string) =>
  `${field} must be an ISO 8601 date or a date-time with a zone (Z or ±hh:mm)`;

export class LedgerQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'Entries that occurred at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(instant, { message: instantMessage('from') })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries that occurred before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(instant, { message: instantMessage('to') })
  to?: string;

  @ApiPropertyOptional({ enum: ['version', '-version'], default: 'version' })
  @IsOptional()
  @IsIn(['version', '-version'])
  sort?: 'version' | '-version';
}

export class BalanceQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'Balance as of this instant (default: now)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(instant, { message: instantMessage('asOf') })
  asOf?: string;
}

export class LedgerEntryView {
  @ApiProperty({ description: 'Account stream version of the movement' }) version!: number;
  @ApiProperty({
    enum: ['deposit', 'withdrawal', 'transfer-debit', 'transfer-credit', 'transfer-refund', 'adjustment'],
  })
  kind!: string;
  @ApiProperty({ description: 'Signed minor units: negative when money left the account' }) amount!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ nullable: true, type: String }) transferId!: string | null;
  @ApiProperty({ nullable: true, type: String }) counterpartyAccountId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Where a deposit came from' })
  source!: string | null;
}

export class LedgerPage {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: [LedgerEntryView] }) items!: LedgerEntryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class BalanceView {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Minor units' }) balance!: number;
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ description: 'Account version of the last movement at or before asOf (0: none)' })
  version!: number;
}

@ApiTags('accounts')
@Controller('accounts')
export class LedgerHttp {
  constructor(
    @InjectRepository(LedgerEntry) private readonly entries: Repository<LedgerEntry>,
    private readonly access: AccountAccess,
  ) {}

  @Get(':id/ledger')
  @RequireScope(Scope.Read)
  @ReadRoute({
    operationId: 'getAccountLedger',
    summary: "List an account's ledger",
    description: 'Every movement with its signed amount and the balance after it, a keyset page at a time.',
    ok: { type: LedgerPage, description: 'Keyset-paginated by version', example: ledgerPageExample },
    problems: { 400: ['bad-request', 'invalid-cursor'], 404: ['not-found'] },
  })
  async ledger(
    @Param('id', ParseUUIDPipe) accountId: string,
    @Query() query: LedgerQuery,
    @Req() request: FastifyRequest,
  ): Promise<LedgerPage> {
    if (query.from && query.to && new Date(query.from) >= new Date(query.to))
      throw new ProblemException(400, 'validation-failed', 'The request is not valid', 'See errors.', {
        errors: [{ field: 'to', messages: ['to must be later than from'] }],
      });
    const account = await this.access.visibleAccount(request, accountId);
    const fingerprint = JSON.stringify([accountId, query.sort ?? 'version', query.from, query.to]);
    const builder = this.entries.createQueryBuilder('e').where('e.accountId = :accountId', { accountId });
    if (query.from) builder.andWhere('e.occurredAt >= :from', { from: new Date(query.from) });
    if (query.to) builder.andWhere('e.occurredAt < :to', { to: new Date(query.to) });
    const { rows, nextCursor } = await keysetPage(
      builder,
      { columns: ['version'], descending: query.sort === '-version' },
      { limit: query.limit ?? 50, cursor: query.cursor, fingerprint },
    );
    return {
      accountId,
      currency: account.currency,
      items: rows.map(({ accountId: _, occurredAt, ...entry }) => ({
        ...entry,
        occurredAt: occurredAt.toISOString(),
      })),
      nextCursor,
    };
  }

  @Get(':id/balance')
  @RequireScope(Scope.Read)
  @ReadRoute({
    operationId: 'getAccountBalance',
    summary: 'Get the balance at an instant',
    ok: {
      type: BalanceView,
      description: 'From the ledger; ETag is the version it reflects',
      example: balanceExample,
    },
    etag: true,
    problems: { 400: ['bad-request'], 404: ['not-found'] },
  })
  async balance(
    @Param('id', ParseUUIDPipe) accountId: string,
    @Query() query: BalanceQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BalanceView | undefined> {
    const asOf = query.asOf ? new Date(query.asOf) : new Date();
    const account = await this.access.visibleAccount(request, accountId);
    if (asOf < account.openedAt)
      throw new ProblemException(
        404,
        'not-found',
        'Not found',
        `Account ${accountId} was opened at ${account.openedAt.toISOString()}, after ${asOf.toISOString()}.`,
      );
    const entry = await this.entries
      .createQueryBuilder('e')
      .where('e.accountId = :accountId AND e.occurredAt <= :asOf', { accountId, asOf })
      .orderBy('e.occurredAt', 'DESC')
      .addOrderBy('e.version', 'DESC')
      .limit(1)
      .getOne();
    const view = {
      accountId,
      currency: account.currency,
      balance: entry?.balanceAfter ?? 0,
      asOf: asOf.toISOString(),
      version: entry?.version ?? 0,
    };
    return withEtag(request, reply, `"${view.version}"`, view);
  }
}
