import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemException, RequireScope, Scope } from '@tally/http';
import type { PipelineOverview } from '@tally/operations';
import { PipelineReadings } from './pipeline-readings';

@ApiTags('console')
@Controller('api/pipeline')
@RequireScope(Scope.Admin)
export class PipelineController {
  constructor(@Inject(PipelineReadings) private readonly readings: PipelineReadings) {}

  /** The Pipeline page polls this (every 1.5 s). Fields: libs/platform/operations/README.md. */
  @Get()
  @ApiOperation({
    summary: 'The pipeline overview: relay, lag and freshness per partition, parked, dead letters…',
  })
  async overview(): Promise<PipelineOverview> {
    try {
      return await this.readings.read();
    } catch (error) {
      // Without the topic's offsets there is no lag to show: Kafka is unreachable from the console.
      throw new ProblemException(
        503,
        'dependency-unavailable',
        'Dependency unavailable',
        `The pipeline could not be read: ${error instanceof Error ? error.message : String(error)}`,
        {},
        { 'retry-after': '2' },
      );
    }
  }
}
