import { Injectable } from '@nestjs/common';
import {
  BusinessRuleViolation,
  type AccountCommand,
  type TransferCommand,
  type TransferTerms,
} from '@tally/accounts-domain';
import { TransactionScope } from '@tally/event-store';
import { accountStream } from '../pipeline/account-stream';
import type { CommandContext } from '../pipeline/command-context';
import { CommandPipeline } from '../pipeline/command-pipeline';
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
 */
@Injectable()
export class TransferProcessManager {
  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly transaction: TransactionScope,
    private readonly inFlight: TransfersInFlight,
  ) {}

  /** Runs steps until the transfer is completed or failed. */
  async drive(row: TransferInFlight): Promise<void> {
    return row.traceparent ? inTransferTrace(row, () => this.driveSteps(row)) : this.driveSteps(row);
  }

  private async driveSteps(row: TransferInFlight): Promise<void> {
    const { transferId, correlationId } = row;
    const context: CommandContext = { correlationId, causationId: `transfer-${transferId}` };
    for (;;) {
      const { state } = await this.pipeline.load(transferStream(transferId));
      if (state.status !== 'requested' && state.status !== 'debited') {
        return this.inFlight.remove(transferId); // finished (or unknown): nothing left to do
      }
      if (row.creditRefused && state.status === 'debited')
        return this.refund(state, row.creditRefused, context);
      await this.step(state, context);
    }
  }

  private async step(transfer: Active, context: CommandContext): Promise<void> {
    const { transferId, fromAccountId, toAccountId, amount } = transfer;
    if (transfer.status === 'requested') {
      const debit: AccountCommand = { type: 'DebitForTransfer', transferId, amount, toAccountId };
      const refused = await this.refusal(() =>
        this.onAccount(fromAccountId, debit, 'debit', transfer, context),
      );
      if (refused) return this.finish(transferId, { reason: refused, refunded: false }, context);
      await this.pipeline.run(transferStream(transferId), { type: 'RecordSourceDebited' }, context, {
        eventIds: stepEventIds(transferId, 'source-debited'),
      });
      return;
    }
    const credit: AccountCommand = { type: 'CreditForTransfer', transferId, amount, fromAccountId };
    const refused = await this.refusal(() =>
      this.onAccount(toAccountId, credit, 'credit', transfer, context),
    );
    if (!refused) return this.finish(transferId, undefined, context);
    await this.inFlight.recordCreditRefused(transferId, refused);
    return this.refund(transfer, refused, context);
  }

  private async refund(transfer: Active, reason: string, context: CommandContext): Promise<void> {
    const { transferId, fromAccountId, amount } = transfer;
    await this.onAccount(
      fromAccountId,
      { type: 'RefundTransfer', transferId, amount },
      'refund',
      transfer,
      context,
    );
    return this.finish(transferId, { reason, refunded: true }, context);
  }

  private onAccount(
    accountId: string,
    command: AccountCommand,
    step: string,
    transfer: Active,
    context: CommandContext,
  ) {
    return this.pipeline.run(accountStream(accountId), command, context, {
      eventIds: stepEventIds(transfer.transferId, step),
    });
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
  ) {
    const command: TransferCommand = failure
      ? { type: 'FailTransfer', ...failure }
      : { type: 'CompleteTransfer' };
    return this.transaction.run(async () => {
      await this.pipeline.run(transferStream(transferId), command, context, {
        eventIds: stepEventIds(transferId, failure ? 'failed' : 'completed'),
      });
      await this.inFlight.remove(transferId);
    });
  }
}
