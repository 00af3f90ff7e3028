import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AccountsCommandsModule } from '@tally/accounts-commands';
import { postgresReadiness } from '@tally/database';
import { EventStoreModule, RelayLifecycle, WRITE_POOL } from '@tally/event-store';
import { AuthModule, OperationsController, READINESS_CHECKS, loggingModule } from '@tally/http';
import { KafkaModule, KafkaReadiness } from '@tally/messaging';
import type { Pool } from 'pg';
import type { CommandServiceConfig } from './config';

@Module({})
export class CommandServiceModule {
  static register(config: CommandServiceConfig): DynamicModule {
    return {
      module: CommandServiceModule,
      imports: [
        loggingModule('command-service', config.logging),
        AuthModule.forRoot(config.auth),
        // No log line per failed probe: the probe's answer names the failing checks.
        TerminusModule.forRoot({ logger: false }),
        CqrsModule.forRoot(),
        KafkaModule.forRoot(config.kafka),
        EventStoreModule.forRoot({
          connectionString: config.databaseUrl,
          poolSize: config.databasePoolSize,
          timeouts: config.databaseTimeouts,
          relay: config.relay,
          groupCommit: config.groupCommit,
          leaderLeaseMs: config.leaderLeaseMs,
        }),
        AccountsCommandsModule.register(config.commands),
      ],
      controllers: [OperationsController],
      providers: [
        {
          provide: READINESS_CHECKS,
          useFactory: (pool: Pool, kafka: KafkaReadiness, relay: RelayLifecycle) => [
            postgresReadiness('postgres', pool),
            kafka,
            relay,
          ],
          inject: [WRITE_POOL, KafkaReadiness, RelayLifecycle],
        },
      ],
    };
  }
}
