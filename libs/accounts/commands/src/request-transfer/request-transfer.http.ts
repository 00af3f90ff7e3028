import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { commandContextOf } from '../command-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../json-object-body';
import { MoneyAmountBody } from '../money-amount.dto';
import { RequestTransfer } from './request-transfer.handler';

export class RequestTransferBody extends MoneyAmountBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'fromAccountId must be a UUID' })
  fromAccountId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'toAccountId must be a UUID' })
  toAccountId!: string;
}

export class TransferAccepted {
  @ApiProperty({ format: 'uuid', description: 'Follow it with GET /transfers/:id on the read API' })
  transferId!: string;
  @ApiProperty({ description: 'Send as X-Consistency-Token to read the transfer at least as requested' })
  consistencyToken!: string;
}

@ApiTags('transfers')
@Controller('transfers')
export class RequestTransferHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(202)
  @Idempotent()
  @JsonObjectBody()
  @ApiAcceptedResponse({ type: TransferAccepted, description: 'Recorded; the money moves asynchronously' })
  @ApiResponse({
    status: 422,
    description: 'same-account, currency-mismatch, account-not-found, account-closed, insufficient-funds',
  })
  async request(
    @Body() body: RequestTransferBody,
    @Req() request: FastifyRequest,
  ): Promise<TransferAccepted> {
    const transferId = randomUUID();
    const { correlationId, causationId } = commandContextOf(request);
    const { consistencyToken } = await this.commands.execute(
      new RequestTransfer(
        transferId,
        body.fromAccountId.toLowerCase(),
        body.toAccountId.toLowerCase(),
        body.amount,
        { correlationId, causationId },
      ),
    );
    return { transferId, consistencyToken };
  }
}
