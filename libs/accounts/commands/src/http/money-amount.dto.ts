import { ApiProperty } from '@nestjs/swagger';
import { MAX_AMOUNT, isValidAmount } from '@tally/accounts-domain';
import { IsInt, IsPositive, Max } from 'class-validator';

/**
 * An amount of money in minor units: a JSON integer from 1 to MAX_AMOUNT (10^12). Strings ("500",
 * "1e3"), fractions, zero and negatives are refused, not coerced: no implicit conversion is enabled.
 */
export class MoneyAmountBody {
  @ApiProperty({ example: 500, minimum: 1, maximum: MAX_AMOUNT, description: 'Minor units (cents)' })
  @IsInt({ message: 'amount must be an integer number of minor units (not a string or fraction)' })
  @IsPositive({ message: 'amount must be positive' })
  @Max(MAX_AMOUNT, { message: `amount must not exceed ${MAX_AMOUNT}` })
  amount!: number;
}

/** MoneyAmountBody's rules for a body that passes them as it is (see FastBodyPipe). */
export const plainlyValidAmount = (body: Record<string, unknown>): boolean =>
  isValidAmount(body.amount) && Object.keys(body).every((key) => key === 'amount');
