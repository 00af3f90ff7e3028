import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, ProblemException, RequireScope, Scope, type Principal } from '@tally/http';
import { RebuildAlreadyRunningError } from '@tally/projections';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { RebuildStartedView, RebuildView, RebuildsView } from '../api/operator-actions-api';
import { ActionConnections } from '../action-connections';
import { ConsoleRebuilds } from './console-rebuilds';

export class StartRebuildRequest {
  @ApiPropertyOptional({
    enum: ['store', 'topic'],
    default: 'store',
    description: 'Replay the event store (works whatever the topic holds) or the topic from its beginning',
  })
  @IsOptional()
  @IsIn(['store', 'topic'])
  source?: 'store' | 'topic';

  @ApiPropertyOptional({ default: false, description: 'Keep the replaced tables in schema retired_<id>' })
  @IsOptional()
  @IsBoolean()
  keepOld?: boolean;
}

/** Rebuilds of the first replica set's read tables: start, watch (poll), cancel, see the outcome. */
@ApiTags('console')
@Controller('api/rebuild')
@RequireScope(Scope.Admin)
export class RebuildController {
  constructor(
    @Inject(ConsoleRebuilds) private readonly rebuilds: ConsoleRebuilds,
    @Inject(ActionConnections) private readonly connections: ActionConnections,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The running rebuild with its progress, and the latest outcomes' })
  list(): RebuildsView {
    return this.rebuilds.view();
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Starts a rebuild (202), or answers the one this console is already running (200)',
  })
  async start(
    @Body() body: StartRebuildRequest,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RebuildStartedView> {
    const request = { source: body.source ?? 'store', keepOld: body.keepOld ?? false } as const;
    const audited = { actor: principal.subject, action: 'rebuild.start', target: 'read models' } as const;
    try {
      const outcome = await this.rebuilds.start(principal.subject, request);
      if (!outcome.started) void reply.status(200);
      else
        await this.connections.audit.record({ ...audited, outcome: 'done', before: request, after: outcome });
      return outcome;
    } catch (error) {
      await this.connections.audit
        .record({ ...audited, outcome: `refused: ${(error as Error).message}`, before: request })
        .catch(() => undefined); // the refusal is what the caller must hear about
      if (error instanceof RebuildAlreadyRunningError)
        throw new ProblemException(
          503,
          'rebuild-already-running',
          'A rebuild is already running',
          `${error.message}: one at a time; try again when it has finished.`,
          {},
          { 'retry-after': '30' },
        );
      throw error;
    }
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancels the running rebuild: its shadow schema and group are removed, the live tables kept',
  })
  async cancel(@CurrentPrincipal() principal: Principal): Promise<RebuildView> {
    const before = this.rebuilds.view().current;
    const cancelled = this.rebuilds.cancel();
    if (cancelled)
      await this.connections.audit.record({
        actor: principal.subject,
        action: 'rebuild.cancel',
        target: 'read models',
        outcome: 'done',
        before,
        after: cancelled,
      });
    if (!cancelled)
      throw new ProblemException(
        404,
        'not-found',
        'Not found',
        'No rebuild started from this console is running.',
      );
    return cancelled;
  }
}
