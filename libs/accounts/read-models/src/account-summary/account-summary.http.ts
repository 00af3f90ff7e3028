import { Controller, Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { notFound } from '@tally/http';
import type { FastifyReply } from 'fastify';
import type { Repository } from 'typeorm';
import { AccountSummary } from './account-summary.entity';

export class AccountSummaryView {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Minor units (cents)', example: 500 }) balance!: number;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: string;
  @ApiProperty({ description: 'The account stream version this view reflects' }) version!: number;
  @ApiProperty({ description: 'Deposits and withdrawals so far' }) entryCount!: number;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

@ApiTags('accounts')
@Controller('accounts')
export class AccountSummaryHttp {
  constructor(@InjectRepository(AccountSummary) private readonly accounts: Repository<AccountSummary>) {}

  @Get(':id')
  @ApiOkResponse({ type: AccountSummaryView, description: 'ETag is the account version' })
  async get(
    @Param('id', ParseUUIDPipe) accountId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountSummaryView> {
    const row = await this.accounts.findOneBy({ accountId });
    if (!row) throw notFound('Account', accountId);
    void reply.header('etag', `"${row.version}"`);
    return { ...row, openedAt: row.openedAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
  }
}
