import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope, Scope } from '@tally/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountIdPipe, accountInPath } from '../account-id.pipe';
import { AccountWriteDocs } from '../account-write-headers';
import { AccountWritten } from '../account-written.dto';
import { commandContextOf } from '../command-context';
import { FastBody } from '../fast-body';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../json-object-body';
import { MoneyAmountBody, plainlyValidAmount } from '../money-amount.dto';
import { sendWriteHeaders } from '../write-response';
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
  @AccountWriteDocs()
  @ApiBody({ type: MoneyAmountBody })
  @ApiOkResponse({ type: AccountWritten, description: 'Withdrawn; ETag is the new version' })
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
