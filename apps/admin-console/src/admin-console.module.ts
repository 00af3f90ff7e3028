import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule, OperationsController, READINESS_CHECKS, loggingModule } from '@tally/http';
import type { AdminConsoleConfig, AdminHttpConfig } from './config';
import { ConsoleDatabases } from './console-databases';
import { operatorActions } from './operator-actions';
import { PipelineController } from './pipeline/pipeline.controller';
import { PipelineReadings } from './pipeline/pipeline-readings';
import { SessionController } from './session.controller';
import { StreamsController } from './streams/streams.controller';
import { TraceController } from './trace/trace.controller';

/**
 * The admin console's server: its API under /api (every route needs `tally:admin`), health and
 * metrics like the services. It reads the stores directly, so it keeps working while a service is down.
 */
@Module({})
export class AdminConsoleModule {
  static register(config: AdminConsoleConfig, http: AdminHttpConfig): DynamicModule {
    const actions = operatorActions(config);
    return {
      module: AdminConsoleModule,
      imports: [
        loggingModule('admin-console', http.logging),
        AuthModule.forRoot(http.auth),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [
        SessionController,
        PipelineController,
        StreamsController,
        TraceController,
        ...actions.controllers,
        OperationsController,
      ],
      providers: [
        ...actions.providers,
        { provide: ConsoleDatabases, useFactory: () => new ConsoleDatabases(config) },
        { provide: PipelineReadings, useFactory: () => new PipelineReadings(config) },
        {
          provide: READINESS_CHECKS,
          useFactory: (databases: ConsoleDatabases) => [
            { name: 'write-database', check: async () => void (await databases.write('SELECT 1')) },
          ],
          inject: [ConsoleDatabases],
        },
      ],
    };
  }
}
