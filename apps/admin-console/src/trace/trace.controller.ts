import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemException, RequireScope, Scope, notFound } from '@tally/http';
import type { TraceView } from '../api/console-api';
import { ConsoleDatabases } from '../console-databases';
import { readTrace } from './correlation-trace';

/** What the services accept as a correlation id (x-correlation-id), and a little more. */
const CORRELATION_ID = /^[\x21-\x7e]{1,200}$/;

@ApiTags('console')
@Controller('api/trace')
@RequireScope(Scope.Admin)
export class TraceController {
  constructor(@Inject(ConsoleDatabases) private readonly databases: ConsoleDatabases) {}

  @Get(':correlationId')
  @ApiOperation({
    summary: 'Everything one correlation id caused: commands, events, transfer steps, read rows',
  })
  async trace(@Param('correlationId') correlationId: string): Promise<TraceView> {
    if (!CORRELATION_ID.test(correlationId))
      throw new ProblemException(
        400,
        'validation-failed',
        'The request is not valid',
        'See errors for each field.',
        {
          errors: [
            { field: 'correlationId', messages: ['correlationId must be 1-200 printable ASCII characters'] },
          ],
        },
      );
    const view = await readTrace(this.databases, correlationId);
    if (!view) throw notFound('Correlation id', correlationId);
    return view;
  }
}
