import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsDecimalString } from '../bigint-column';

/**
 * Totals per owner and currency. Rows span many account streams, so replicas applying different
 * partitions update the same row concurrently: they only ever add deltas (`balance = balance + Δ`)
 * inside their batch transaction, never read-modify-write, so concurrent batches commute.
 */
@Entity('owner_balances')
export class OwnerBalance {
  @PrimaryColumn('text', { name: 'owner_id' })
  ownerId!: string;

  @PrimaryColumn('char', { length: 3 })
  currency!: string;

  /** Exact decimal string: a total over accounts can pass 2^53. */
  @Column('bigint', { transformer: bigintAsDecimalString })
  balance!: string;

  @Column('integer')
  accounts!: number;

  @Column('integer', { name: 'open_accounts' })
  openAccounts!: number;
}
