import { ApiProperty } from '@nestjs/swagger';

export class AccountWritten {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: 2, description: 'The account stream version after this write' }) version!: number;
  @ApiProperty({ description: 'Send as X-Consistency-Token to read your own write' })
  consistencyToken!: string;
}
