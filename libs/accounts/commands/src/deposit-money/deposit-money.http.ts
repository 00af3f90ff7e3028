import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { commandContextOf } from '../command-context';
import { MoneyAmountBody } from '../money-amount.dto';
import { AccountWritten } from '../account-written.dto';
import { DepositMoney } from './deposit-money.handler';

@ApiTags('accounts')
@Controller('accounts/:id/deposits')
export class DepositMoneyHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: AccountWritten })
  async deposit(
    @Param('id', ParseUUIDPipe) accountId: string,
    @Body() body: MoneyAmountBody,
    @Req() request: FastifyRequest,
  ): Promise<AccountWritten> {
    const result = await this.commands.execute(
      new DepositMoney(accountId, body.amount, commandContextOf(request)),
    );
    return { accountId, ...result };
  }
}
