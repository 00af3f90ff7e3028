import { EventLog } from '@tally/event-log';
import { Client, type Pool } from 'pg';
import { AppendSignal } from '../group-commit';
import { EVENTS_APPENDED_CHANNEL } from '../postgres-event-store';
import { START_OF_STORE, type RecordedEvent, type StorePosition } from '../recorded-event';
import { Wakeup } from './wakeup';

/** Where relayed events go (the Kafka topic in production). Must resolve only once they are durable. */
export interface EventPublisher {
  publish(events: RecordedEvent[]): Promise<void>;
}

export interface RelayLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxRelayOptions {
  connectionString: string;
  /** The write database: the relay reads the event log through it and counts its backlog. */
  pool: Pool;
  publisher: EventPublisher;
  logger: RelayLogger;
  /** Relays with the same name elect one leader; the checkpoint is kept per name. */
  name?: string;
  batchSize?: number;
  /** Safety net in case a notification is missed (e.g. across a reconnect). */
  sweepIntervalMs?: number;
  /** How often a follower tries to become the leader, and the back-off after a failure. */
  retryIntervalMs?: number;
}

/**
 * Publishes committed events from the store in publication order, at least once.
 *
 * - Leadership: a PostgreSQL session advisory lock, held on a dedicated connection, so only one relay
 *   publishes at a time across all command-service instances; if the leader dies its session ends,
 *   the lock is released, and a follower takes over.
 * - At least once: the checkpoint is written only after the publisher has acknowledged a batch, so a
 *   relay killed between the two republishes that batch; consumers drop the duplicates.
 * - Prompt: appends through the same pool wake it directly; appends from other processes (and those
 *   committed with a caller's transaction) via LISTEN/NOTIFY; a periodic sweep is the safety net.
 */
export class OutboxRelay {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private readonly retryIntervalMs: number;
  private readonly wakeup = new Wakeup();
  private readonly log: EventLog;
  private stopping = false;
  private running?: Promise<void>;
  private leader = false;
  private published = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.name = options.name ?? 'kafka';
    this.batchSize = options.batchSize ?? 1_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 1_000;
    this.log = new EventLog(options.pool);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get publishedCount(): number {
    return this.published;
  }

  /**
   * Committed events not yet acknowledged by the publisher (from the stored checkpoint, so any
   * instance can answer, leader or not). Counts rows, so it costs a scan of the backlog itself.
   */
  async backlog(): Promise<number> {
    const checkpoint = await this.loadCheckpoint(this.options.pool);
    const { rows } = await this.options.pool.query(
      `SELECT count(*)::text AS backlog FROM events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
      [checkpoint.transactionId, checkpoint.globalPosition],
    );
    return Number(rows[0].backlog);
  }

  private readonly onAppended = () => this.wakeup.wake();

  start(): void {
    if (this.running) return;
    AppendSignal.of(this.options.pool).on('appended', this.onAppended);
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    AppendSignal.of(this.options.pool).off('appended', this.onAppended);
    this.wakeup.wake();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.leadWhileConnected();
      } catch (error) {
        this.options.logger.error({ err: error, relay: this.name }, 'relay failed; retrying');
      } finally {
        this.leader = false;
      }
      if (!this.stopping) await this.wakeup.wait(this.retryIntervalMs);
    }
  }

  private async leadWhileConnected(): Promise<void> {
    const session = new Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: 5_000,
    });
    let sessionError: Error | undefined;
    session.on('error', (error) => {
      sessionError = error;
      this.wakeup.wake();
    });
    session.on('notification', () => this.wakeup.wake());
    await session.connect();
    try {
      if (!(await this.becomeLeader(session, () => sessionError))) return;
      await session.query(`LISTEN ${EVENTS_APPENDED_CHANNEL}`);
      let position = await this.loadCheckpoint(session);
      this.options.logger.info({ relay: this.name, position }, 'relay is the leader');
      // Pipelined: the next batch is read, and the last checkpoint written, while the publisher waits
      // for the broker's acknowledgement of the current batch. A checkpoint still only ever names a
      // batch that was acknowledged, and a failure anywhere restarts from the stored checkpoint.
      const read = (after: StorePosition) => {
        const next = this.log.readPublicationBatch(after, this.batchSize);
        next.catch(() => undefined); // awaited below; a failure surfaces there
        return next;
      };
      let next = read(position);
      let checkpoint: Promise<void> = Promise.resolve();
      try {
        while (!this.stopping && !sessionError) {
          const batch = await next;
          if (!batch) {
            await checkpoint;
            await this.wakeup.wait(this.sweepIntervalMs);
            next = read(position);
            continue;
          }
          position = batch.lastPosition;
          next = read(position);
          await this.options.publisher.publish(batch.events);
          await checkpoint;
          // Written on the lock-holding session: if that session is gone, so is our leadership.
          checkpoint = this.saveCheckpoint(session, position);
          checkpoint.catch(() => undefined);
          this.published += batch.events.length;
        }
        await checkpoint;
      } finally {
        await next.catch(() => undefined);
      }
      if (sessionError) throw sessionError;
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  private async becomeLeader(session: Client, failed: () => Error | undefined): Promise<boolean> {
    while (!this.stopping && !failed()) {
      const { rows } = await session.query('SELECT pg_try_advisory_lock(hashtext($1)) AS acquired', [
        `relay:${this.name}`,
      ]);
      if (rows[0].acquired) return (this.leader = true);
      await this.wakeup.wait(this.retryIntervalMs);
    }
    return false;
  }

  private async loadCheckpoint(session: Pick<Client, 'query'>): Promise<StorePosition> {
    const { rows } = await session.query(
      `SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition"
       FROM relay_checkpoints WHERE relay = $1`,
      [this.name],
    );
    return rows[0] ?? START_OF_STORE;
  }

  /**
   * Without waiting for the WAL flush (synchronous_commit off for this one statement): a checkpoint
   * lost in a PostgreSQL crash only makes the next leader publish those batches again, which at
   * least once allows and the consumers drop as duplicates.
   */
  private async saveCheckpoint(session: Client, position: StorePosition): Promise<void> {
    await session.query(
      `INSERT INTO relay_checkpoints (relay, transaction_id, global_position)
       SELECT $1, $2::xid8, $3 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
       ON CONFLICT (relay) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
         global_position = EXCLUDED.global_position, updated_at = now()`,
      [this.name, position.transactionId, position.globalPosition],
    );
  }
}
