import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { accountRefusalsOf } from '@tally/accounts-domain';
import { RequireScope, Scope } from '@tally/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountIdPipe, accountInPath } from '../http/account-id.pipe';
import { WriteRoute } from '../http/account-write-headers';
import { AccountWritten } from '../http/account-written.dto';
import { commandContextOf } from '../http/request-context';
import { FastBody } from '../http/fast-body';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../http/json-object-body';
import { MoneyAmountBody, plainlyValidAmount } from '../http/money-amount.dto';
import { sendWriteHeaders } from '../http/write-response';
import { WithdrawMoney } from './withdraw-money.handler';

@ApiTags('accounts')
@Controller('accounts/:id/withdrawals')
export class WithdrawMoneyHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireScope(Scope.Write)
  @HttpCode(200)
  @Idempotent(accountInPath)
  @JsonObjectBody()
  @WriteRoute({
    operationId: 'withdrawMoney',
    summary: 'Withdraw money',
    description: 'Concurrent withdrawals queue and are decided one after another on the latest balance.',
    ok: {
      status: 200,
      type: AccountWritten,
      description: 'Withdrawn; ETag is the new version',
      example: {
        accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        version: 5,
        consistencyToken: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjV9',
      },
    },
    existingAccount: true,
    refusals: accountRefusalsOf.WithdrawMoney,
  })
  @ApiBody({ type: MoneyAmountBody })
  async withdraw(
    @Param('id', AccountIdPipe) accountId: string,
    @FastBody(MoneyAmountBody, plainlyValidAmount) body: MoneyAmountBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountWritten> {
    const result = await this.commands.execute(
      new WithdrawMoney(accountId, body.amount, commandContextOf(request)),
    );
    sendWriteHeaders(reply, result);
    return { accountId, ...result };
  }
}
