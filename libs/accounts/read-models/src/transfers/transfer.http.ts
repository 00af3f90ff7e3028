import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { RequireScope, Scope, notFound } from '@tally/http';
import { Matches } from 'class-validator';
import { transferExample } from '../read-examples';
import { ReadRoute } from '../read-route.docs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Repository } from 'typeorm';
import { AccountAccess } from '../access';
import { withEtag } from '../http-caching';
import { Transfer } from './transfer.entity';

export class TransferParams {
  @Matches(/^[A-Za-z0-9_-]{1,100}$/, { message: 'id must be a transfer id' })
  id!: string;
}

export class TransferView {
  @ApiProperty() transferId!: string;
  @ApiProperty() fromAccountId!: string;
  @ApiProperty() toAccountId!: string;
  @ApiProperty({ description: 'Minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: ['requested', 'debited', 'completed', 'failed'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Problem code of a failed transfer' })
  reason!: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) refunded!: boolean | null;
  @ApiProperty({ description: 'Transfer stream version this view reflects' }) version!: number;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) debitedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) failedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

@ApiTags('transfers')
@Controller('transfers')
export class TransferHttp {
  constructor(
    @InjectRepository(Transfer) private readonly transfers: Repository<Transfer>,
    private readonly access: AccountAccess,
  ) {}

  @Get(':id')
  @RequireScope(Scope.Read)
  @ReadRoute({
    operationId: 'getTransfer',
    summary: 'Get a transfer',
    description: 'Its status and timestamps; visible to the owners of either account.',
    ok: { type: TransferView, description: 'ETag is the transfer version', example: transferExample },
    etag: true,
    problems: { 404: ['not-found'] },
  })
  async get(
    @Param() params: TransferParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TransferView | undefined> {
    const row = await this.transfers.findOneBy({ transferId: params.id });
    // A transfer is visible to the owners of either side (and admins); someone else's is answered
    // exactly as a missing one.
    if (!row || !(await this.access.ownsAnyOf(request, [row.fromAccountId, row.toAccountId])))
      throw notFound('Transfer', params.id);
    return withEtag(request, reply, `"${row.version}"`, {
      ...row,
      requestedAt: row.requestedAt.toISOString(),
      debitedAt: iso(row.debitedAt),
      completedAt: iso(row.completedAt),
      failedAt: iso(row.failedAt),
      updatedAt: row.updatedAt.toISOString(),
    });
  }
}
