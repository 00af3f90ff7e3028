import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { OperatorAudit } from '@tally/database';
import { WRITE_POOL } from '@tally/event-store';
import type { Pool } from 'pg';
import { AccountHistoryHttp } from './account-history/account-history.http';
import { AdjustBalanceHandler } from './adjust-balance/adjust-balance.handler';
import { AdjustBalanceHttp } from './adjust-balance/adjust-balance.http';
import { AccountOwners } from './http/account-owners';
import { GetAccountHistoryHandler } from './account-history/account-history.handler';
import { CloseAccountHandler } from './close-account/close-account.handler';
import { CloseAccountHttp } from './close-account/close-account.http';
import { CommandErrorsInterceptor } from './http/command-errors.interceptor';
import { RequestDeadlineInterceptor } from './http/request-deadline.interceptor';
import { CommandPipeline } from './pipeline/command-pipeline';
import { COMMANDS_OPTIONS, defaultCommandsOptions, type CommandsOptions } from './commands-options';
import { DepositMoneyHandler } from './deposit-money/deposit-money.handler';
import { DepositMoneyHttp } from './deposit-money/deposit-money.http';
import { IdempotencyKeyCleanup } from './idempotency/idempotency-key-cleanup';
import { IdempotencyKeys } from './idempotency/idempotency-keys';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { OpenAccountHandler } from './open-account/open-account.handler';
import { OpenAccountHttp } from './open-account/open-account.http';
import { RequestTransferHandler } from './request-transfer/request-transfer.handler';
import { RequestTransferHttp } from './request-transfer/request-transfer.http';
import { StreamStateCache } from './pipeline/stream-state-cache';
import { TransferProcessManager } from './transfer-process/transfer-process-manager';
import { TransferMetrics } from './transfer-process/transfer-metrics';
import { TransferWorker } from './transfer-process/transfer-worker';
import { TransfersInFlight } from './transfer-process/transfers-in-flight';
import { WithdrawMoneyHandler } from './withdraw-money/withdraw-money.handler';
import { WithdrawMoneyHttp } from './withdraw-money/withdraw-money.http';

/**
 * The write side's use cases. Expects the EventStoreModule (pool, store, transaction scope) from the
 * composition root, and CqrsModule.forRoot().
 */
@Module({})
export class AccountsCommandsModule {
  static register(options: Partial<CommandsOptions> = {}): DynamicModule {
    return {
      module: AccountsCommandsModule,
      controllers: [
        OpenAccountHttp,
        DepositMoneyHttp,
        WithdrawMoneyHttp,
        CloseAccountHttp,
        RequestTransferHttp,
        AccountHistoryHttp,
        AdjustBalanceHttp,
      ],
      providers: [
        { provide: COMMANDS_OPTIONS, useValue: { ...defaultCommandsOptions, ...options } },
        StreamStateCache,
        CommandPipeline,
        AccountOwners,
        OpenAccountHandler,
        DepositMoneyHandler,
        WithdrawMoneyHandler,
        CloseAccountHandler,
        AdjustBalanceHandler,
        { provide: OperatorAudit, useFactory: (pool: Pool) => new OperatorAudit(pool), inject: [WRITE_POOL] },
        RequestTransferHandler,
        GetAccountHistoryHandler,
        IdempotencyKeys,
        IdempotencyInterceptor,
        IdempotencyKeyCleanup,
        TransfersInFlight,
        TransferProcessManager,
        TransferWorker,
        TransferMetrics,
        { provide: APP_INTERCEPTOR, useClass: CommandErrorsInterceptor },
        // Registered after the errors interceptor, so inside it: its late answer is mapped like the others.
        { provide: APP_INTERCEPTOR, useClass: RequestDeadlineInterceptor },
      ],
      exports: [
        CommandPipeline,
        StreamStateCache,
        TransferWorker,
        TransferProcessManager,
        TransfersInFlight,
        IdempotencyKeys,
      ],
    };
  }
}
