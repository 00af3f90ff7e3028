import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../bigint-column';

export type LedgerEntryKind =
  'deposit' | 'withdrawal' | 'transfer-debit' | 'transfer-credit' | 'transfer-refund' | 'adjustment';

/**
 * One row per money movement of an account, keyed by the stream version that caused it, with the
 * balance after it: `GET /accounts/:id/ledger` pages through it and `?asOf=` balances read one row.
 */
@Entity('ledger_entries')
@Index('ledger_entries_as_of', ['accountId', 'occurredAt', 'version'])
export class LedgerEntry {
  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @Column('text')
  kind!: LedgerEntryKind;

  /** Signed minor units: positive into the account, negative out of it. */
  @Column('bigint', { transformer: bigintAsNumber })
  amount!: number;

  @Column('bigint', { name: 'balance_after', transformer: bigintAsNumber })
  balanceAfter!: number;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('text', { name: 'transfer_id', nullable: true })
  transferId!: string | null;

  @Column('text', { name: 'counterparty_account_id', nullable: true })
  counterpartyAccountId!: string | null;

  /** Where a deposit came from (deposit v2 `source`; `unknown` for v1 deposits). */
  @Column('text', { nullable: true })
  source!: string | null;
}
