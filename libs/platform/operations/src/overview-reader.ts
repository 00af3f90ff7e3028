import { deadLetterTopicOf } from '@tally/messaging';
import { DeadLetterMarks } from '@tally/projections';
import type { Admin, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { CommandRateSampler } from './command-rates';
import type { PipelineOverview } from './pipeline-overview';
import { readPipelineOverview, type OverviewSources } from './read-pipeline-overview';

export interface OverviewReaderOptions {
  kafka: Kafka;
  topic: string;
  /** The write database; the reader only ever SELECTs. */
  writeDatabaseUrl: string;
  /** Each replica set's consumer group and read database. */
  replicaSets: Array<{ groupId: string; databaseUrl: string }>;
  /** The command-service instances' /metrics addresses (commands/s, errors/s); none: `commands` null. */
  commandMetricsUrls?: string[];
  relayName?: string;
  /**
   * The read database holding the dead-letter marks (`dead_letter_marks`: the query service's, where
   * `npm run dead-letters` and the console record re-drives and handled letters). Without it (and
   * without `handledDeadLetters`), every dead letter counts as unhandled.
   */
  deadLetterMarksDatabaseUrl?: string;
  handledDeadLetters?: OverviewSources['handledDeadLetters'];
}

/**
 * Keeps the connections a repeated reading needs (a Kafka admin client, a small pool per database)
 * and the previous command counters, for the rate. `read()` as often as wanted; `close()` at the end.
 * The pools are read only in effect: every statement is a SELECT, in a read-only session.
 */
export class PipelineOverviewReader {
  private readonly admin: Admin;
  private connected?: Promise<void>;
  private readonly writeDb: Pool;
  private readonly readDbs: Array<{ groupId: string; pool: Pool }>;
  private readonly commands?: CommandRateSampler;
  private readonly marksDb?: Pool;
  private readonly handledDeadLetters?: OverviewSources['handledDeadLetters'];

  constructor(private readonly options: OverviewReaderOptions) {
    this.admin = options.kafka.admin();
    this.writeDb = readOnlyPool(options.writeDatabaseUrl);
    this.readDbs = options.replicaSets.map(({ groupId, databaseUrl }) => ({
      groupId,
      pool: readOnlyPool(databaseUrl),
    }));
    if (options.commandMetricsUrls?.length)
      this.commands = new CommandRateSampler(options.commandMetricsUrls);
    this.handledDeadLetters = options.handledDeadLetters;
    if (!this.handledDeadLetters && options.deadLetterMarksDatabaseUrl) {
      const marksDb = (this.marksDb = readOnlyPool(options.deadLetterMarksDatabaseUrl));
      const marks = new DeadLetterMarks(marksDb, deadLetterTopicOf(options.topic));
      this.handledDeadLetters = (bounds) => marks.countWithin(bounds);
    }
  }

  /**
   * Takes a first reading of the command counters only, so that the next `read()` has a rate (a
   * one-off reading, like the CLI's, calls this a second before). Unreachable instances are ignored here.
   */
  async sampleCommands(): Promise<void> {
    await this.commands?.read().catch(() => undefined);
  }

  async read(): Promise<PipelineOverview> {
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    return readPipelineOverview({
      admin: this.admin,
      topic: this.options.topic,
      writeDb: this.writeDb,
      replicaSets: this.readDbs.map(({ groupId, pool }) => ({ groupId, readDb: pool })),
      relayName: this.options.relayName,
      commands: this.commands,
      handledDeadLetters: this.handledDeadLetters,
    });
  }

  async close(): Promise<void> {
    await Promise.all([
      this.admin.disconnect().catch(() => undefined),
      this.writeDb.end().catch(() => undefined),
      this.marksDb?.end().catch(() => undefined),
      ...this.readDbs.map(({ pool }) => pool.end().catch(() => undefined)),
    ]);
  }
}

const readOnlyPool = (connectionString: string) => {
  const pool = new Pool({
    connectionString,
    max: 2,
    connectionTimeoutMillis: 2_000,
    // Fails fast instead of hanging the reading when a database stalls.
    statement_timeout: 2_000,
    options: '-c default_transaction_read_only=on',
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
};
