import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { EventMetadata } from '@tally/contracts';
import { ApiProblems, RequireScope, Scope, mayAccess, notFound, principalOf } from '@tally/http';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { AccountIdPipe } from '../http/account-id.pipe';
import { AccountOwners } from '../http/account-owners';
import { GetAccountHistory } from './account-history.handler';

const MAX_PAGE = 1_000;

export class AccountHistoryParams {
  @ApiPropertyOptional({ default: 1, description: 'First stream version to return' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  fromVersion = 1;

  @ApiPropertyOptional({ default: 100, maximum: MAX_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit = 100;
}

export class AuditedEvent {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'tally.account.money-deposited' }) type!: string;
  @ApiProperty({ description: 'Always the latest schema version (older events are upcast)' })
  schemaVersion!: number;
  @ApiProperty() streamVersion!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  @ApiProperty({
    description: 'correlationId, causationId, actor; traceparent and tracestate when the write was traced',
  })
  metadata!: EventMetadata;
}

export class AccountHistory {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ description: 'The stream version now' }) version!: number;
  @ApiProperty({ type: [AuditedEvent] }) events!: AuditedEvent[];
  @ApiProperty({ nullable: true, type: String, description: 'The next page, or null at the end' })
  next!: string | null;
}

@ApiTags('accounts')
@Controller('accounts/:id/events')
export class AccountHistoryHttp {
  constructor(
    private readonly queries: QueryBus,
    private readonly owners: AccountOwners,
  ) {}

  @Get()
  @RequireScope(Scope.Read)
  @ApiOperation({
    operationId: 'getAccountEvents',
    summary: "Read an account's events",
    description: 'The audit trail: every event of the account stream with its metadata, a page at a time.',
  })
  @ApiOkResponse({
    type: AccountHistory,
    description: 'The account stream with metadata, oldest first',
    example: {
      accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
      version: 2,
      events: [
        {
          eventId: '0f8e7d6c-5b4a-4392-8170-6e5d4c3b2a19',
          type: 'tally.account.money-deposited',
          schemaVersion: 2,
          streamVersion: 2,
          occurredAt: '2026-11-30T09:05:00.000Z',
          recordedAt: '2026-11-30T09:05:00.004Z',
          data: { amount: 500, source: 'cash' },
          metadata: { correlationId: '7c4e1f0a-5b2d-4e8f-9a13-6d0b2c9e8f41', actor: 'alice' },
        },
      ],
      next: null,
    },
  })
  @ApiProblems({ 404: ['not-found'] })
  async history(
    @Param('id', AccountIdPipe) accountId: string,
    @Query() { fromVersion, limit }: AccountHistoryParams,
    @Req() request: FastifyRequest,
  ): Promise<AccountHistory> {
    // Someone else's account is answered exactly as a missing one: its existence is not revealed.
    const principal = principalOf(request);
    if (principal && !mayAccess(principal, await this.owners.ownerOf(accountId)))
      throw notFound('Account', accountId);
    const page = await this.queries.execute(new GetAccountHistory(accountId, fromVersion, limit));
    if (!page) throw notFound('Account', accountId);
    const events = page.events.map(({ position: _position, streamId: _streamId, ...event }) => event);
    const last = events.at(-1)?.streamVersion ?? page.version;
    const next =
      last < page.version ? `/accounts/${accountId}/events?fromVersion=${last + 1}&limit=${limit}` : null;
    return { accountId, version: page.version, events, next };
  }
}
