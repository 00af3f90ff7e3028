import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { RequireScope, Scope } from '@tally/http';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { AuditPageView } from '../api/operator-actions-api';
import { ActionConnections } from '../action-connections';

export class AuditQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next` of the previous page: older actions than that one' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be an action id' })
  before?: string;
}

/** The operators' audit trail, newest first: the same rows as `npm run admin -- audit`. */
@ApiTags('console')
@Controller('api/audit')
@RequireScope(Scope.Admin)
export class AuditController {
  constructor(@Inject(ActionConnections) private readonly connections: ActionConnections) {}

  @Get()
  @ApiOperation({
    summary: 'What operators did (append-only operator_actions), a page at a time, newest first',
  })
  async list(@Query() query: AuditQuery): Promise<AuditPageView> {
    const limit = query.limit ?? 50;
    const actions = await this.connections.audit.latest(limit, query.before);
    return { actions, next: actions.length === limit ? (actions.at(-1)?.id ?? null) : null };
  }
}
