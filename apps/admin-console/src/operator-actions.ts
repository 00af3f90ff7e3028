import type { Provider } from '@nestjs/common';
import { DeadLetterDesk } from '@tally/projections';
import { ActionConnections } from './action-connections';
import { AuditController } from './audit/audit.controller';
import type { AdminConsoleConfig } from './config';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { ConsoleRebuilds } from './rebuild/console-rebuilds';
import { RebuildController } from './rebuild/rebuild.controller';

/**
 * What the console does, rather than shows: dead letters (re-drive, mark handled) and rebuilds.
 * Providers and controllers for the console's module.
 */
export const operatorActions = (config: AdminConsoleConfig) => ({
  controllers: [DeadLettersController, RebuildController, AuditController],
  providers: [
    { provide: ActionConnections, useFactory: () => new ActionConnections(config) },
    {
      provide: DeadLetterDesk,
      useFactory: (connections: ActionConnections) =>
        new DeadLetterDesk({
          kafka: connections.kafka,
          topic: config.kafka.topic,
          db: connections.marksDb,
          store: connections.storeDb,
          audit: connections.audit,
        }),
      inject: [ActionConnections],
    },
    {
      provide: ConsoleRebuilds,
      useFactory: (connections: ActionConnections) => new ConsoleRebuilds(config, connections.kafka),
      inject: [ActionConnections],
    },
  ] satisfies Provider[],
});
