import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../bigint-column';

export type TransferStatus = 'requested' | 'debited' | 'completed' | 'failed';

/** One row per transfer, folded from its own stream: what `GET /transfers/:id` serves. */
@Entity('transfers')
export class Transfer {
  @PrimaryColumn('text', { name: 'transfer_id' })
  transferId!: string;

  @Column('text', { name: 'from_account_id' })
  fromAccountId!: string;

  @Column('text', { name: 'to_account_id' })
  toAccountId!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  amount!: number;

  @Column('char', { length: 3 })
  currency!: string;

  @Column('text')
  status!: TransferStatus;

  /** Problem code of a failed transfer (e.g. `insufficient-funds`). */
  @Column('text', { nullable: true })
  reason!: string | null;

  /** Whether a failed transfer's debited amount went back to the source. */
  @Column('boolean', { nullable: true })
  refunded!: boolean | null;

  /** The transfer stream version this row reflects. */
  @Column('integer')
  version!: number;

  @Column('timestamptz', { name: 'requested_at' })
  requestedAt!: Date;

  @Column('timestamptz', { name: 'debited_at', nullable: true })
  debitedAt!: Date | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;

  @Column('timestamptz', { name: 'failed_at', nullable: true })
  failedAt!: Date | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
