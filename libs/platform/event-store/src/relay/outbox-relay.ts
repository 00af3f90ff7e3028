import { EventLog, type PublicationBatch } from '@tally/event-log';
import type { Client, Pool } from 'pg';
import { LeaderLoop, type LeaderTerm } from '../leadership/leader-loop';
import { AppendSignal } from '../group-commit';
import { EVENTS_APPENDED_CHANNEL } from '../postgres-event-store';
import { START_OF_STORE, type RecordedEvent, type StorePosition } from '../recorded-event';

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
 * - Leadership (`LeaderLoop`): a PostgreSQL session advisory lock, held on a dedicated connection, so
 *   only one relay publishes at a time across all command-service instances; if the leader dies its
 *   session ends, the lock is released, and a follower takes over. The checkpoint is written on that
 *   session, so a relay that lost its lock cannot move the checkpoint.
 * - At least once: the checkpoint is written only after the publisher has acknowledged a batch, so a
 *   relay killed between the two republishes that batch; consumers drop the duplicates.
 * - Prompt: appends through the same pool wake it directly; appends from other processes (and those
 *   committed with a caller's transaction) via LISTEN/NOTIFY; a periodic sweep is the safety net.
 */
/** What a term of leadership carries from one round to the next: the relay's pipeline. */
interface Pipeline {
  /** The position the last batch read reaches (published or in flight). */
  position: StorePosition;
  /** The read of the batch after `position`, issued while the previous batch was being published. */
  next?: Promise<PublicationBatch | undefined>;
  /** The write of the last acknowledged batch's checkpoint. */
  checkpoint: Promise<void>;
}

export class OutboxRelay {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly loop: LeaderLoop<Pipeline>;
  private readonly log: EventLog;
  private published = 0;
  private started = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.name = options.name ?? 'kafka';
    this.batchSize = options.batchSize ?? 1_000;
    this.log = new EventLog(options.pool);
    this.loop = new LeaderLoop<Pipeline>({
      connectionString: options.connectionString,
      lockName: `relay:${this.name}`,
      channel: EVENTS_APPENDED_CHANNEL,
      logger: options.logger,
      idleMs: options.sweepIntervalMs ?? 1_000,
      retryMs: options.retryIntervalMs ?? 1_000,
      workWritesOnSession: true,
      beginTerm: (session) => this.beginTerm(session),
      work: (term) => this.publishNextBatch(term),
      endTerm: (term) => this.endTerm(term),
    });
  }

  get isLeader(): boolean {
    return this.loop.isLeader;
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

  private readonly onAppended = () => this.loop.wake();

  start(): void {
    if (this.started) return;
    this.started = true;
    AppendSignal.of(this.options.pool).on('appended', this.onAppended);
    this.loop.start();
  }

  async stop(): Promise<void> {
    AppendSignal.of(this.options.pool).off('appended', this.onAppended);
    await this.loop.stop();
  }

  private async beginTerm(session: Client): Promise<Pipeline> {
    const position = await this.loadCheckpoint(session);
    this.options.logger.info({ relay: this.name, position }, 'relay is the leader');
    return { position, checkpoint: Promise.resolve() };
  }

  /**
   * One round: publishes the batch read ahead and checkpoints it. Pipelined: the next batch is read,
   * and the last checkpoint written, while the publisher waits for the broker's acknowledgement of
   * the current batch. A checkpoint still only ever names a batch that was acknowledged, and a failure
   * anywhere ends the term: the next one restarts from the stored checkpoint.
   */
  private async publishNextBatch({ session, state }: LeaderTerm<Pipeline>): Promise<boolean> {
    const batch = await (state.next ?? this.read(state.position));
    state.next = undefined;
    if (!batch) {
      // Idle: the next read is issued after the wait, so that it sees what woke the relay.
      await state.checkpoint;
      return false;
    }
    state.position = batch.lastPosition;
    state.next = this.read(state.position);
    await this.options.publisher.publish(batch.events);
    await state.checkpoint;
    // Written on the lock-holding session: if that session is gone, so is our leadership.
    state.checkpoint = this.saveCheckpoint(session, state.position);
    state.checkpoint.catch(() => undefined); // awaited in the next round or at the end of the term
    this.published += batch.events.length;
    return true;
  }

  private async endTerm({ state }: LeaderTerm<Pipeline>): Promise<void> {
    await state.next?.catch(() => undefined);
    await state.checkpoint;
  }

  private read(after: StorePosition): Promise<PublicationBatch | undefined> {
    const next = this.log.readPublicationBatch(after, this.batchSize);
    next.catch(() => undefined); // awaited by the next round; a failure surfaces there
    return next;
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
