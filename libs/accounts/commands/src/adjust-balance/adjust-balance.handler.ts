import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';

/** An operator's correction of an account's balance: signed amount, with the reason. */
export class AdjustBalance extends Command<WriteResult> {
  constructor(
    readonly accountId: string,
    readonly amount: number,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(AdjustBalance)
export class AdjustBalanceHandler implements ICommandHandler<AdjustBalance, WriteResult> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ accountId, amount, reason, context }: AdjustBalance): Promise<WriteResult> {
    return this.pipeline.run(accountStream(accountId), { type: 'AdjustBalance', amount, reason }, context);
  }
}
