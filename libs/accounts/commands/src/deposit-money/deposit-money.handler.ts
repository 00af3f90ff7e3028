import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';

export class DepositMoney extends Command<WriteResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly source: string | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(DepositMoney)
export class DepositMoneyHandler implements ICommandHandler<DepositMoney, WriteResult> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ accountId, amount, source, context }: DepositMoney): Promise<WriteResult> {
    return this.pipeline.run(accountStream(accountId), { type: 'DepositMoney', amount, source }, context);
  }
}
