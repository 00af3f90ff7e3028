import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../bigint-column';

/** One row per account: what `GET /accounts/:id` serves without touching the event store. */
@Entity('accounts')
@Index('accounts_owner_keyset', ['ownerId', 'accountId'])
export class AccountSummary {
  @PrimaryColumn('uuid', { name: 'account_id' })
  accountId!: string;

  @Column('text', { name: 'owner_id' })
  ownerId!: string;

  @Column('char', { length: 3 })
  currency!: string;

  @Column('bigint', { transformer: bigintAsNumber })
  balance!: number;

  @Column('text')
  status!: 'open' | 'closed';

  /** The account stream version this row reflects. */
  @Column('integer')
  version!: number;

  @Column('integer', { name: 'entry_count' })
  entryCount!: number;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
