import { ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_PAGE_SIZE, type DeadLetterFilter } from '@tally/projections';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const DEAD_LETTER_ID = /^\d{1,9}:\d{1,19}$/;

/** Which dead letters: every field narrows the selection. */
export class DeadLetterFilterFields {
  @ApiPropertyOptional({ description: 'The partition of the event topic the letter came from' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  partition?: number;

  @ApiPropertyOptional({ description: 'Part of the error text, any case' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  error?: string;

  @ApiPropertyOptional({ description: 'Part of the key (the stream id, e.g. an account id), any case' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  key?: string;

  @ApiPropertyOptional({ description: 'Failed at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Failed before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class DeadLetterListQuery extends DeadLetterFilterFields {
  @ApiPropertyOptional({ enum: ['all', 'unhandled', 'handled'], default: 'all' })
  @IsOptional()
  @IsIn(['all', 'unhandled', 'handled'])
  state?: 'all' | 'unhandled' | 'handled';

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: '`next` of the previous page: a dead-letter id, <partition>:<offset>' })
  @IsOptional()
  @Matches(DEAD_LETTER_ID, { message: 'after must be a dead-letter id, <partition>:<offset>' })
  after?: string;
}

/** Re-drive every unhandled letter matching the filter. */
export class RedriveAllRequest extends DeadLetterFilterFields {
  @ApiPropertyOptional({ description: 'Why, kept with each mark' })
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  note?: string;
}

export class RedriveRequest {
  @ApiPropertyOptional({
    description:
      'Refused (422 corrected-redrive-refused) when present: a re-drive publishes the stored event, never a value sent here',
  })
  @IsOptional()
  @IsString()
  @MaxLength(12_000)
  value?: string;

  @ApiPropertyOptional({ description: 'Why, kept with the mark' })
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  note?: string;
}

export class HandledRequest {
  @ApiPropertyOptional({ description: 'Why it needs nothing more, kept with the mark' })
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  note?: string;
}

export const isDeadLetterId = (id: string): boolean => DEAD_LETTER_ID.test(id);

export const filterOf = (
  fields: DeadLetterFilterFields,
  state?: DeadLetterFilter['state'],
): DeadLetterFilter => ({
  originalPartition: fields.partition,
  error: fields.error || undefined,
  key: fields.key || undefined,
  failedFrom: fields.from ? new Date(fields.from) : undefined,
  failedTo: fields.to ? new Date(fields.to) : undefined,
  state,
});
