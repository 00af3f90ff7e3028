import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TransferCommand } from '@tally/accounts-domain';
import { TransactionScope } from '@tally/event-store';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';
import { transferStream } from '../pipeline/transfer-stream';
import { TransfersInFlight } from '../transfer-process/transfers-in-flight';

export class RequestTransfer extends Command<WriteResult> {
  constructor(
    readonly transferId: string,
    readonly fromAccountId: string,
    readonly toAccountId: string,
    readonly amount: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Checks what can be checked now (accounts exist, are open, share a currency, the source has the
 * money) and records the transfer with its to-do row in one transaction. The money moves later, in
 * the process manager, which re-checks each step against the accounts' own streams.
 */
@CommandHandler(RequestTransfer)
export class RequestTransferHandler implements ICommandHandler<RequestTransfer, WriteResult> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly transaction: TransactionScope,
    private readonly inFlight: TransfersInFlight,
  ) {}

  async execute({ transferId, fromAccountId, toAccountId, amount, context }: RequestTransfer) {
    const source = (await this.pipeline.load(accountStream(fromAccountId))).state;
    const target = (await this.pipeline.load(accountStream(toAccountId))).state;
    const request: TransferCommand = {
      type: 'RequestTransfer',
      transferId,
      fromAccountId,
      toAccountId,
      amount,
      source,
      target,
    };
    return this.transaction.run(async () => {
      const result = await this.pipeline.run(transferStream(transferId), request, context);
      await this.inFlight.add({ transferId, correlationId: context.correlationId });
      return result;
    });
  }
}
