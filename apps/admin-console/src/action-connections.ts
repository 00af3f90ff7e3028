import type { OnApplicationShutdown } from '@nestjs/common';
import { OperatorAudit } from '@tally/database';
import { createKafka, nestLogger } from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import type { AdminConsoleConfig } from './config';

/** The operator actions' connections: a Kafka client and a small writable pool for the marks. */
export class ActionConnections implements OnApplicationShutdown {
  readonly kafka: Kafka;
  /** The first replica set's read database, writable: the dead-letter marks. */
  readonly marksDb: Pool;
  /** The event store, read only: what a re-drive publishes. */
  readonly storeDb: Pool;
  /** The write database, writable for one thing: appending to `operator_actions`. */
  readonly audit: OperatorAudit;
  private readonly auditDb: Pool;

  constructor(config: AdminConsoleConfig) {
    this.kafka = createKafka(config.kafka, nestLogger('kafkajs'));
    this.marksDb = new Pool({
      connectionString: config.actions.readDatabaseUrl,
      max: 2,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
      application_name: 'tally-admin-console',
    });
    this.marksDb.on('error', () => undefined);
    this.storeDb = new Pool({
      connectionString: config.actions.eventStoreDatabaseUrl,
      max: 2,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
      options: '-c default_transaction_read_only=on',
      application_name: 'tally-admin-console',
    });
    this.storeDb.on('error', () => undefined);
    this.auditDb = new Pool({
      connectionString: config.writeDatabaseUrl,
      max: 2,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
      application_name: 'tally-admin-console',
    });
    this.auditDb.on('error', () => undefined);
    this.audit = new OperatorAudit(this.auditDb);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [this.marksDb, this.storeDb, this.auditDb].map((pool) => pool.end().catch(() => undefined)),
    );
  }
}
