import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';

export class OpenAccount extends Command<WriteResult> {
  constructor(
    readonly accountId: string,
    readonly ownerId: string,
    readonly currency: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(OpenAccount)
export class OpenAccountHandler implements ICommandHandler<OpenAccount, WriteResult> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ accountId, ownerId, currency, context }: OpenAccount): Promise<WriteResult> {
    return this.pipeline.run(
      accountStream(accountId),
      { type: 'OpenAccount', accountId, ownerId, currency },
      context,
    );
  }
}
