import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CommandErrorsInterceptor } from './command-errors.interceptor';
import { CommandPipeline } from './command-pipeline';
import { DepositMoneyHandler } from './deposit-money/deposit-money.handler';
import { DepositMoneyHttp } from './deposit-money/deposit-money.http';
import { OpenAccountHandler } from './open-account/open-account.handler';
import { OpenAccountHttp } from './open-account/open-account.http';

/** The write side's use cases. Expects a PostgresEventStore provider from the composition root. */
@Module({
  controllers: [OpenAccountHttp, DepositMoneyHttp],
  providers: [
    CommandPipeline,
    OpenAccountHandler,
    DepositMoneyHandler,
    { provide: APP_INTERCEPTOR, useClass: CommandErrorsInterceptor },
  ],
})
export class AccountsCommandsModule {}
