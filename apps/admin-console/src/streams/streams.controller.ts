import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemException, RequireScope, Scope, notFound } from '@tally/http';
import type { AccountStreamView } from '../api/console-api';
import { ConsoleDatabases } from '../console-databases';
import { readAccountStream } from './account-stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@ApiTags('console')
@Controller('api/streams')
@RequireScope(Scope.Admin)
export class StreamsController {
  constructor(@Inject(ConsoleDatabases) private readonly databases: ConsoleDatabases) {}

  @Get(':accountId')
  @ApiOperation({ summary: "An account's events beside its read rows in each replica set, and their check" })
  async account(@Param('accountId') accountId: string): Promise<AccountStreamView> {
    if (!UUID.test(accountId))
      throw new ProblemException(
        400,
        'validation-failed',
        'The request is not valid',
        'See errors for each field.',
        {
          errors: [{ field: 'accountId', messages: ['accountId must be a UUID'] }],
        },
      );
    const view = await readAccountStream(this.databases, accountId.toLowerCase());
    if (!view) throw notFound('Account', accountId);
    return view;
  }
}
