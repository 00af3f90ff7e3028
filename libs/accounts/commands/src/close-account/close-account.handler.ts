import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';

export class CloseAccount extends Command<WriteResult> {
  constructor(
    readonly accountId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CloseAccount)
export class CloseAccountHandler implements ICommandHandler<CloseAccount, WriteResult> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ accountId, context }: CloseAccount): Promise<WriteResult> {
    return this.pipeline.run(accountStream(accountId), { type: 'CloseAccount' }, context);
  }
}
