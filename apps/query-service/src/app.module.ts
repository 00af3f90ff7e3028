import { poolTimeoutOptions } from '@tally/database';
import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { accountReadModels } from '@tally/accounts-read-models';
import { AuthModule, OperationsController, READINESS_CHECKS, loggingModule } from '@tally/http';
import { KafkaModule, KafkaReadiness } from '@tally/messaging';
import { ProjectionLifecycle, ProjectionsModule } from '@tally/projections';
import { DataSource } from 'typeorm';
import type { QueryHttpConfig, QueryServiceConfig } from './config';

@Module({})
export class QueryServiceModule {
  static register(config: QueryServiceConfig, http: QueryHttpConfig): DynamicModule {
    return {
      module: QueryServiceModule,
      imports: [
        loggingModule('query-service', http.logging),
        AuthModule.forRoot(http.auth),
        // No log line per failed probe: the probe's answer names the failing checks.
        TerminusModule.forRoot({ logger: false }),
        KafkaModule.forRoot(config.kafka),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: accountReadModels.entities,
          synchronize: false,
          logging: ['error'],
          extra: { max: config.databasePoolSize, ...poolTimeoutOptions(config.databaseTimeouts) },
        }),
        TypeOrmModule.forFeature(accountReadModels.entities),
        ProjectionsModule.forRoot({
          groupId: config.groupId,
          projector: accountReadModels.projector,
          projections: accountReadModels.projections,
          sessionTimeoutMs: config.sessionTimeoutMs,
          partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
          stuckStreamAfterMs: config.stuckStreamAfterMs,
          databaseUrl: config.databaseUrl,
          consistency: config.consistency,
          backfill: {
            eventStoreDatabaseUrl: config.eventStoreDatabaseUrl,
            ownerDatabaseUrl: config.migrationDatabaseUrl,
            tables: accountReadModels.tables,
            entities: accountReadModels.entities,
          },
        }),
      ],
      controllers: [...accountReadModels.controllers, OperationsController],
      providers: [
        ...accountReadModels.providers,
        {
          provide: READINESS_CHECKS,
          useFactory: (dataSource: DataSource, kafka: KafkaReadiness, projections: ProjectionLifecycle) => [
            { name: 'postgres', check: async () => void (await dataSource.query('SELECT 1')) },
            kafka,
            projections,
          ],
          inject: [DataSource, KafkaReadiness, ProjectionLifecycle],
        },
      ],
    };
  }
}
