import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { MAX_AMOUNT, accountRefusalsOf } from '@tally/accounts-domain';
import { RequireScope, Scope } from '@tally/http';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min, NotEquals } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountIdPipe, accountInPath } from '../http/account-id.pipe';
import { WriteRoute } from '../http/account-write-headers';
import { AccountWritten } from '../http/account-written.dto';
import { commandContextOf } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../http/json-object-body';
import { sendWriteHeaders } from '../http/write-response';
import { AdjustBalance } from './adjust-balance.handler';

export const MAX_REASON_LENGTH = 500;

export class AdjustBalanceBody {
  @ApiProperty({
    example: -1_000_000,
    minimum: -MAX_AMOUNT,
    maximum: MAX_AMOUNT,
    description: 'Signed minor units: positive adds money to the account, negative removes it; never 0',
  })
  @IsInt({ message: 'amount must be an integer number of minor units (not a string or fraction)' })
  @NotEquals(0, { message: 'amount must not be 0' })
  @Min(-MAX_AMOUNT, { message: `amount must not be below -${MAX_AMOUNT}` })
  @Max(MAX_AMOUNT, { message: `amount must not exceed ${MAX_AMOUNT}` })
  amount!: number;

  @ApiProperty({
    example: 'Reverses the 1,000,000 credited by incident 2026-12-07 (ticket OPS-1234)',
    maxLength: MAX_REASON_LENGTH,
    description: 'Why: kept in the event and shown in the account history',
  })
  @IsString({ message: 'reason must be a string' })
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(MAX_REASON_LENGTH, { message: `reason must be at most ${MAX_REASON_LENGTH} characters` })
  reason!: string;
}

/**
 * How money is corrected: an operator (tally:admin) appends a balance-adjusted event through the same
 * pipeline as every other command, so the correction is in the event store, the ledger and every read
 * model, and the conservation check counts it. Nobody edits a balance anywhere else.
 */
@ApiTags('accounts')
@Controller('accounts/:id/adjustments')
export class AdjustBalanceHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireScope(Scope.Admin)
  @HttpCode(200)
  @Idempotent(accountInPath)
  @JsonObjectBody()
  @WriteRoute({
    operationId: 'adjustBalance',
    summary: "Adjust an account's balance (operators, tally:admin)",
    description:
      'Corrects a balance with a signed amount and a reason, as a `tally.account.balance-adjusted` event: ' +
      'visible in the account history and ledger (kind `adjustment`), never taking a balance below 0 or ' +
      'above the largest an account can hold. A closed account can be corrected too.',
    ok: {
      status: 200,
      type: AccountWritten,
      description: 'Adjusted; ETag is the new version',
      example: {
        accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        version: 6,
        consistencyToken: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjZ9',
      },
    },
    existingAccount: true,
    refusals: accountRefusalsOf.AdjustBalance,
  })
  async adjust(
    @Param('id', AccountIdPipe) accountId: string,
    @Body() body: AdjustBalanceBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountWritten> {
    const command = new AdjustBalance(accountId, body.amount, body.reason, commandContextOf(request));
    const result = await this.commands.execute(command);
    sendWriteHeaders(reply, result);
    return { accountId, ...result };
  }
}
