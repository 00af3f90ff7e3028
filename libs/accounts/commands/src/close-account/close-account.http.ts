import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { accountRefusalsOf } from '@tally/accounts-domain';
import { RequireScope, Scope } from '@tally/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountIdPipe, accountInPath } from '../http/account-id.pipe';
import { WriteRoute } from '../http/account-write-headers';
import { AccountWritten } from '../http/account-written.dto';
import { commandContextOf } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody, NoFieldsPipe } from '../http/json-object-body';
import { sendWriteHeaders } from '../http/write-response';
import { CloseAccount } from './close-account.handler';

@ApiTags('accounts')
@Controller('accounts/:id/close')
export class CloseAccountHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireScope(Scope.Write)
  @HttpCode(200)
  @Idempotent(accountInPath)
  @JsonObjectBody()
  @WriteRoute({
    operationId: 'closeAccount',
    summary: 'Close an account',
    description: 'Only at a zero balance; a closed account accepts nothing more. No body, or {}.',
    ok: {
      status: 200,
      type: AccountWritten,
      description: 'Closed; ETag is the new version',
      example: {
        accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        version: 5,
        consistencyToken: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjV9',
      },
    },
    existingAccount: true,
    refusals: accountRefusalsOf.CloseAccount,
  })
  async close(
    @Param('id', AccountIdPipe) accountId: string,
    @Body(NoFieldsPipe) _body: unknown, // no body, or {}: closing takes no parameters
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountWritten> {
    const result = await this.commands.execute(new CloseAccount(accountId, commandContextOf(request)));
    sendWriteHeaders(reply, result);
    return { accountId, ...result };
  }
}
