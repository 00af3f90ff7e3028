import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';

export class WithdrawMoney extends Command<WriteResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(WithdrawMoney)
export class WithdrawMoneyHandler implements ICommandHandler<WithdrawMoney, WriteResult> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ accountId, amount, context }: WithdrawMoney): Promise<WriteResult> {
    return this.pipeline.run(accountStream(accountId), { type: 'WithdrawMoney', amount }, context);
  }
}
