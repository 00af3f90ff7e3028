import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { accountRefusalsOf, isValidAmount } from '@tally/accounts-domain';
import { IsOptional, Matches } from 'class-validator';
import { RequireScope, Scope } from '@tally/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountIdPipe, accountInPath } from '../http/account-id.pipe';
import { WriteRoute } from '../http/account-write-headers';
import { AccountWritten } from '../http/account-written.dto';
import { commandContextOf } from '../http/request-context';
import { FastBody } from '../http/fast-body';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../http/json-object-body';
import { MoneyAmountBody } from '../http/money-amount.dto';
import { sendWriteHeaders } from '../http/write-response';
import { DepositMoney } from './deposit-money.handler';

const sourcePattern = /^[a-z0-9-]{1,32}$/;

export class DepositMoneyBody extends MoneyAmountBody {
  @ApiPropertyOptional({ example: 'cash', description: 'Where the money came from (default "api")' })
  @IsOptional()
  @Matches(sourcePattern, { message: 'source must be 1-32 of a-z 0-9 -' })
  source?: string;
}

/** DepositMoneyBody's rules for a body that passes them as it is (see FastBodyPipe). */
export const plainlyValidDeposit = (body: Record<string, unknown>): boolean =>
  isValidAmount(body.amount) &&
  (body.source === undefined || (typeof body.source === 'string' && sourcePattern.test(body.source))) &&
  Object.keys(body).every((key) => key === 'amount' || key === 'source');

@ApiTags('accounts')
@Controller('accounts/:id/deposits')
export class DepositMoneyHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireScope(Scope.Write)
  @HttpCode(200)
  @Idempotent(accountInPath)
  @JsonObjectBody()
  @WriteRoute({
    operationId: 'depositMoney',
    summary: 'Deposit money',
    ok: {
      status: 200,
      type: AccountWritten,
      description: 'Deposited; ETag is the new version',
      example: {
        accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        version: 5,
        consistencyToken: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjV9',
      },
    },
    existingAccount: true,
    refusals: accountRefusalsOf.DepositMoney,
  })
  @ApiBody({ type: DepositMoneyBody })
  async deposit(
    @Param('id', AccountIdPipe) accountId: string,
    @FastBody(DepositMoneyBody, plainlyValidDeposit) body: DepositMoneyBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountWritten> {
    const command = new DepositMoney(accountId, body.amount, body.source, commandContextOf(request));
    const result = await this.commands.execute(command);
    sendWriteHeaders(reply, result);
    return { accountId, ...result };
  }
}
