import { ApiProperty } from '@nestjs/swagger';
import { MAX_AMOUNT } from '@tally/accounts-domain';
import { IsInt, IsPositive, Max } from 'class-validator';

/** An amount of money in minor units: a JSON integer, never a string or a fraction. */
export class MoneyAmountBody {
  @ApiProperty({ example: 500, minimum: 1, maximum: MAX_AMOUNT, description: 'Minor units (cents)' })
  @IsInt()
  @IsPositive()
  @Max(MAX_AMOUNT)
  amount!: number;
}
