import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CurrentPrincipal,
  ProblemException,
  RequireScope,
  Scope,
  notFound,
  type Principal,
} from '@tally/http';
import { UnknownDeadLetterError } from '@tally/messaging';
import { DeadLetterDesk, NotAStoredEventError } from '@tally/projections';
import type { DeadLetterPageView, DeadLetterView, RedriveAllView } from '../api/operator-actions-api';
import {
  DeadLetterListQuery,
  HandledRequest,
  RedriveAllRequest,
  RedriveRequest,
  filterOf,
  isDeadLetterId,
} from './dead-letter-requests';

const invalid = (field: string, message: string) =>
  new ProblemException(400, 'validation-failed', 'The request is not valid', 'See errors for each field.', {
    errors: [{ field, messages: [message] }],
  });

/** The dead letters of the event topic: the same as `npm run dead-letters`, through DeadLetterDesk. */
@ApiTags('console')
@Controller('api/dead-letters')
@RequireScope(Scope.Admin)
export class DeadLettersController {
  constructor(@Inject(DeadLetterDesk) private readonly desk: DeadLetterDesk) {}

  @Get()
  @ApiOperation({
    summary:
      'Dead letters matching the filters, a page at a time (pages follow the ids, so they stay stable)',
  })
  async list(@Query() query: DeadLetterListQuery): Promise<DeadLetterPageView> {
    if (query.from && query.to && new Date(query.from) >= new Date(query.to))
      throw invalid('to', 'to must be later than from');
    return this.desk.list(filterOf(query, query.state ?? 'all'), {
      limit: query.limit ?? 50,
      after: query.after,
    });
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Re-drives every unhandled dead letter matching the filters that is a stored event (its stored copy); names the others',
  })
  redriveAll(
    @Body() body: RedriveAllRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RedriveAllView> {
    return this.desk.redriveAll(filterOf(body), { by: principal.subject, note: body.note });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dead letter: payload, headers, error, and what was done about it' })
  show(@Param('id') id: string): Promise<DeadLetterView> {
    return this.found(id, () => this.desk.show(id));
  }

  @Post(':id/redrive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Re-drives one dead letter by publishing the stored event it is a copy of (never a value sent here), and marks it',
  })
  async redrive(
    @Param('id') id: string,
    @Body() body: RedriveRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeadLetterView> {
    if (body.value !== undefined) {
      await this.desk.refuseCorrectedRedrive(id, { by: principal.subject, note: body.note }, body.value);
      throw new ProblemException(
        422,
        'corrected-redrive-refused',
        'A re-drive publishes the stored event, never a corrected value',
        'Nothing was published. Re-drive the letter without a value (its stored event is published), or mark it handled; correct money with POST /accounts/{id}/adjustments on the command service.',
      );
    }
    const { letter } = await this.found(id, async () => {
      try {
        return await this.desk.redrive(id, { by: principal.subject, note: body.note });
      } catch (error) {
        if (error instanceof NotAStoredEventError)
          throw new ProblemException(
            422,
            'not-a-stored-event',
            'The dead letter is not a stored event',
            error.message,
          );
        throw error;
      }
    });
    return letter;
  }

  @Post(':id/handled')
  @HttpCode(200)
  @ApiOperation({ summary: 'Marks one dead letter handled: it needs nothing more' })
  handled(
    @Param('id') id: string,
    @Body() body: HandledRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeadLetterView> {
    return this.found(id, () => this.desk.markHandled(id, { by: principal.subject, note: body.note }));
  }

  private async found<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (!isDeadLetterId(id)) throw invalid('id', 'id must be a dead-letter id, <partition>:<offset>');
    try {
      return await work();
    } catch (error) {
      if (error instanceof UnknownDeadLetterError) throw notFound('Dead letter', id);
      throw error;
    }
  }
}
