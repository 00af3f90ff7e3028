import { Injectable } from '@nestjs/common';
import {
  BusinessRuleViolation,
  type AccountCommand,
  type TransferCommand,
  type TransferTerms,
} from '@tally/accounts-domain';
import type { DomainEvent } from '@tally/contracts';
import { TransactionScope, type Fence } from '@tally/event-store';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext } from '../pipeline/command-context';
import { CommandPipeline, type StreamOf } from '../pipeline/command-pipeline';
import { transferStream } from '../pipeline/transfer-stream';
import { stepEventIds } from './step-event-id';
import { inTransferTrace } from './transfer-tracing';
import { TransfersInFlight, type TransferInFlight } from './transfers-in-flight';

type Active = TransferTerms & { status: 'requested' | 'debited' };

/**
 * Drives one transfer from wherever its stream says it is: debit the source, then credit the
 * target, or refund the source if the credit is refused. Each step appends to one stream with a
 * deterministic event id, then records its outcome on the transfer stream, so a crash between any
 * two statements resumes at the right step and never moves money twice. Money is conserved at every
 * instant: between the debit and the credit or refund, the amount is in flight (debited, not yet
 * credited or refunded), and each of those is a single account event.
 *
 * Every write is fenced: it runs in a transaction that first checks the leader's term (`fence`), so a
 * process manager paused in the middle of a step (and replaced meanwhile) cannot credit a transfer
 * its successor refunded, or refund one it credited.
 */
@Injectable()
export class TransferProcessManager {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly transaction: TransactionScope,
    private readonly inFlight: TransfersInFlight,
  ) {}

  /** Runs steps until the transfer is completed or failed; every write checks `fence`. */
  async drive(row: TransferInFlight, fence: Fence): Promise<void> {
    const drive = () => this.driveSteps(row, fence);
    return row.traceparent ? inTransferTrace(row, drive) : drive();
  }

  private async driveSteps(row: TransferInFlight, fence: Fence): Promise<void> {
    const { transferId, correlationId } = row;
    const context: CommandContext = { correlationId, causationId: `transfer-${transferId}` };
    for (;;) {
      const { state } = await this.pipeline.load(transferStream(transferId));
      if (state.status !== 'requested' && state.status !== 'debited') {
        // finished (or unknown): nothing left to do
        return this.fenced(fence, () => this.inFlight.remove(transferId));
      }
      if (row.creditRefused && state.status === 'debited')
        return this.refund(state, row.creditRefused, context, fence);
      await this.step(state, context, fence);
    }
  }

  private async step(transfer: Active, context: CommandContext, fence: Fence): Promise<void> {
    const { transferId, fromAccountId, toAccountId, amount } = transfer;
    if (transfer.status === 'requested') {
      const debit: AccountCommand = { type: 'DebitForTransfer', transferId, amount, toAccountId };
      const refused = await this.refusal(() =>
        this.write(fence, accountStream(fromAccountId), debit, context, stepEventIds(transferId, 'debit')),
      );
      if (refused) return this.finish(transferId, { reason: refused, refunded: false }, context, fence);
      await this.write(
        fence,
        transferStream(transferId),
        { type: 'RecordSourceDebited' },
        context,
        stepEventIds(transferId, 'source-debited'),
      );
      return;
    }
    const credit: AccountCommand = { type: 'CreditForTransfer', transferId, amount, fromAccountId };
    const refused = await this.refusal(() =>
      this.write(fence, accountStream(toAccountId), credit, context, stepEventIds(transferId, 'credit')),
    );
    if (!refused) return this.finish(transferId, undefined, context, fence);
    await this.fenced(fence, () => this.inFlight.recordCreditRefused(transferId, refused));
    return this.refund(transfer, refused, context, fence);
  }

  private async refund(
    transfer: Active,
    reason: string,
    context: CommandContext,
    fence: Fence,
  ): Promise<void> {
    const { transferId, fromAccountId, amount } = transfer;
    await this.write(
      fence,
      accountStream(fromAccountId),
      { type: 'RefundTransfer', transferId, amount },
      context,
      stepEventIds(transferId, 'refund'),
    );
    return this.finish(transferId, { reason, refunded: true }, context, fence);
  }

  /** The step's business refusal code, or undefined if it went through. Other errors propagate. */
  private async refusal(step: () => Promise<unknown>): Promise<string | undefined> {
    try {
      await step();
      return undefined;
    } catch (error) {
      if (error instanceof BusinessRuleViolation) return error.code;
      throw error;
    }
  }

  /** The final event and the removal from the to-do list commit together. */
  private finish(
    transferId: string,
    failure: { reason: string; refunded: boolean } | undefined,
    context: CommandContext,
    fence: Fence,
  ): Promise<void> {
    const command: TransferCommand = failure
      ? { type: 'FailTransfer', ...failure }
      : { type: 'CompleteTransfer' };
    const ids = stepEventIds(transferId, failure ? 'failed' : 'completed');
    return this.write(fence, transferStream(transferId), command, context, ids, () =>
      this.inFlight.remove(transferId),
    );
  }

  /**
   * One step's command on one stream, in a fenced transaction of its own. The stream's turn is taken
   * before the transaction opens, so a step waiting behind other commands holds no connection.
   */
  private write<Command>(
    fence: Fence,
    stream: StreamOf<Command, DomainEvent, unknown>,
    command: Command,
    context: CommandContext,
    eventIds: (index: number) => string,
    alsoInTransaction?: () => Promise<void>,
  ): Promise<void> {
    return this.pipeline.inTurn(stream.streamId, () =>
      this.fenced(fence, async () => {
        await this.pipeline.run(stream, command, context, { eventIds });
        await alsoInTransaction?.();
      }),
    );
  }

  /** `work` in a transaction that first checks the leader's term: nothing is written after it ended. */
  private fenced<T>(fence: Fence, work: () => Promise<T>): Promise<T> {
    return this.transaction.run(async (db) => {
      await fence.check(db);
      return work();
    });
  }
}
