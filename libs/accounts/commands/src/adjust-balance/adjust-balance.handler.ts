import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AccountState } from '@tally/accounts-domain';
import { OperatorAudit } from '@tally/database';
import { TransactionScope } from '@tally/event-store';
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

/**
 * Appends the adjustment and, in the same transaction, its row in the operators' audit trail (who,
 * why, the balance and version before and after): the one commits only with the other.
 */
@CommandHandler(AdjustBalance)
export class AdjustBalanceHandler implements ICommandHandler<AdjustBalance, WriteResult> {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly scope: TransactionScope,
    private readonly audit: OperatorAudit,
  ) {}

  execute({ accountId, amount, reason, context }: AdjustBalance): Promise<WriteResult> {
    const stream = accountStream(accountId);
    return this.scope.run(async (db) => {
      const result = await this.pipeline.run(stream, { type: 'AdjustBalance', amount, reason }, context);
      // In this transaction, which holds the stream's row: exactly the state the adjustment made.
      const { balance } = (await this.pipeline.load(stream)).state as AccountState & { balance: number };
      await this.audit.record(
        {
          actor: context.actor ?? 'unknown',
          action: 'account.adjust',
          target: accountId,
          reason,
          outcome: 'done',
          before: { version: result.version - 1, balance: balance - amount },
          after: { version: result.version, balance, amount },
        },
        db,
      );
      return result;
    });
  }
}
