import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { transferRefusalsOf } from '@tally/accounts-domain';
import { RequireScope, Scope, mayAccess, principalOf } from '@tally/http';
import { WriteRoute } from '../http/account-write-headers';
import type { FastifyRequest } from 'fastify';
import { AccountOwners } from '../http/account-owners';
import { accountNotVisible, commandContextOf } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../http/json-object-body';
import { MoneyAmountBody } from '../http/money-amount.dto';
import { refusalsExcept } from '../http/refusal-problems';
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
  constructor(
    private readonly commands: CommandBus,
    private readonly owners: AccountOwners,
  ) {}

  @Post()
  @RequireScope(Scope.Write)
  @HttpCode(202)
  @Idempotent()
  @JsonObjectBody()
  @WriteRoute({
    operationId: 'requestTransfer',
    summary: 'Request a transfer',
    description:
      'Recorded, then carried out by the transfer process: debit the source, credit the target, or refund the source. Follow it with GET /transfers/{id} on the read API.',
    ok: {
      status: 202,
      type: TransferAccepted,
      description: 'Recorded; the money moves asynchronously',
      example: {
        transferId: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
        consistencyToken: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjV9',
      },
    },
    etag: false,
    // The service, not the client, picks the new transfer's id: it never exists yet.
    refusals: refusalsExcept(transferRefusalsOf.RequestTransfer, 'transfer-exists'),
  })
  async request(
    @Body() body: RequestTransferBody,
    @Req() request: FastifyRequest,
  ): Promise<TransferAccepted> {
    const transferId = randomUUID();
    const [from, to] = [body.fromAccountId.toLowerCase(), body.toAccountId.toLowerCase()];
    // Money leaves only its owner's account (anyone may be paid). Someone else's source is refused
    // exactly as a missing one is, before any rule of the decider (even same-account) could tell
    // the caller whether the account exists.
    const principal = principalOf(request);
    if (principal && !mayAccess(principal, await this.owners.ownerOf(from)))
      throw accountNotVisible('The source account does not exist.');
    const { correlationId, causationId, actor } = commandContextOf(request);
    const { consistencyToken } = await this.commands.execute(
      new RequestTransfer(transferId, from, to, body.amount, {
        correlationId,
        causationId,
        ...(actor === undefined ? {} : { actor }),
      }),
    );
    return { transferId, consistencyToken };
  }
}
