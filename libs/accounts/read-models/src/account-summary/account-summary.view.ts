import { ApiProperty } from '@nestjs/swagger';
import type { AccountSummary } from './account-summary.entity';

/** An account summary as the API serves it, alone (`GET /accounts/:id`) or in lists (accounts, portfolio). */
export class AccountSummaryView {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Minor units (cents)', example: 500 }) balance!: number;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: string;
  @ApiProperty({ description: 'The account stream version this view reflects' }) version!: number;
  @ApiProperty({ description: 'Money movements so far (ledger entries)' }) entryCount!: number;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export const accountView = (row: AccountSummary): AccountSummaryView => ({
  ...row,
  openedAt: row.openedAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
