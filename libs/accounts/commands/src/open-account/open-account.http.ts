import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { accountRefusalsOf } from '@tally/accounts-domain';
import { IsISO4217CurrencyCode, IsString, Length, Matches } from 'class-validator';
import { ProblemException, RequireScope, Scope, mayAccess, principalOf } from '@tally/http';
import { WriteRoute } from '../http/account-write-headers';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { commandContextOf } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { JsonObjectBody } from '../http/json-object-body';
import { sendWriteHeaders } from '../http/write-response';
import { OpenAccount } from './open-account.handler';

export class OpenAccountBody {
  @ApiProperty({ example: 'alice', description: 'The owner, 1-64 of A-Z a-z 0-9 . _ @ -' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._@-]+$/, { message: 'ownerId may contain only letters, digits and . _ @ -' })
  ownerId!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217 currency code' })
  @IsISO4217CurrencyCode()
  currency!: string;
}

export class OpenedAccount {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ description: 'Send as X-Consistency-Token to read your own write' })
  consistencyToken!: string;
}

@ApiTags('accounts')
@Controller('accounts')
export class OpenAccountHttp {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RequireScope(Scope.Write)
  @HttpCode(201)
  @Idempotent()
  @JsonObjectBody()
  @WriteRoute({
    operationId: 'openAccount',
    summary: 'Open an account',
    description: 'For yourself (an admin: for anyone), in one currency, at a zero balance.',
    ok: {
      status: 201,
      type: OpenedAccount,
      description: 'Opened; Location names the new account',
      example: {
        accountId: '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10',
        version: 1,
        consistencyToken: 'eyJzIjoiYWNjb3VudC0zZjJjOWE0ZSIsInYiOjV9',
      },
    },
    location: true,
    refusals: accountRefusalsOf.OpenAccount,
    problems: { 403: ['owner-mismatch'] },
  })
  async open(
    @Body() body: OpenAccountBody,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OpenedAccount> {
    const principal = principalOf(request);
    if (principal && !mayAccess(principal, body.ownerId))
      throw new ProblemException(
        403,
        'owner-mismatch',
        'Forbidden',
        'You may open accounts only for yourself: ownerId must be the subject of your token.',
      );
    const accountId = randomUUID();
    // A new account has no owner to check yet: the check above is the whole authorisation.
    const { authorize: _, ...context } = commandContextOf(request);
    const result = await this.commands.execute(
      new OpenAccount(accountId, body.ownerId, body.currency, context),
    );
    void reply.header('location', `/accounts/${accountId}`);
    sendWriteHeaders(reply, result);
    return { accountId, ...result };
  }
}
