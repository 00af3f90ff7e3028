import { EventLog, type PublicationBatch } from '@tally/event-log';
import { REPUBLISH_FIX } from '@tally/messaging';
import type { Client, Pool } from 'pg';
import { LeaderLoop, type LeaderTerm } from '../leadership/leader-loop';
import type { AppendSignal } from '../group-commit';
import { EVENTS_APPENDED_CHANNEL } from '../postgres-event-store';
import { START_OF_STORE, type RecordedEvent, type StorePosition } from '../recorded-event';
import { emptied, furthestEnds, partitionsBehind, type PartitionEnds, type TopicLoss } from './topic-loss';

/** Where relayed events go (the Kafka topic in production). Must resolve only once they are durable. */
export interface EventPublisher {
  /** May answer how far each partition it wrote to is now known to reach. */
  publish(events: RecordedEvent[]): Promise<PartitionEnds | void>;
  /** The topic, and where each of its partitions ends now: how the relay notices a replaced topic. */
  readonly topic?: string;
  endOffsets?(): Promise<PartitionEnds>;
}

export interface RelayLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const TOPIC_CHECK_TIMEOUT_MS = 2_000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined); // may settle after the timeout
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

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
  /** How long a paused or cut-off leader keeps the lock (LeaderLoopOptions.leaseMs). */
  leaderLeaseMs?: number;
  /** How often an idle leader compares the topic's end offsets with what it published. */
  topicCheckIntervalMs?: number;
  /** Appends committed through the pool in this process, to wake at once (EventStoreModule's). */
  appended?: AppendSignal;
}

/** What a term of leadership carries from one round to the next: the relay's pipeline. */
interface Pipeline {
  /** The position the last batch read reaches (published or in flight). */
  position: StorePosition;
  /** The read of the batch after `position`, issued while the previous batch was being published. */
  next?: Promise<PublicationBatch | undefined>;
  /** `appendsSignalled` when `next` was issued: a later append makes a short `next` stale. */
  nextIssuedAt: number;
  /** The write of the last acknowledged batch's checkpoint. */
  checkpoint: Promise<void>;
  /** How far each partition of the topic is known to reach. */
  topicEnds: PartitionEnds;
  lastTopicCheck: number;
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
 * - Watchful: it keeps, with its checkpoint, how far each partition is known to reach. A partition
 *   found ending before that (in an acknowledgement, or when idle) means the topic was deleted or
 *   recreated: the relay records the loss (readiness, `tally_relay_topic_behind_checkpoint`, an error
 *   log naming the fix) until `npm run republish` has refilled the topic from the store.
 */
export class OutboxRelay {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly loop: LeaderLoop<Pipeline>;
  private readonly log: EventLog;
  private published = 0;
  /** Appends committed in this process so far (AppendSignal), to tell a stale read-ahead. */
  private appendsSignalled = 0;
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
      leaseMs: options.leaderLeaseMs,
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

  private readonly onAppended = () => {
    this.appendsSignalled++;
    this.loop.wake();
  };

  start(): void {
    if (this.started) return;
    this.started = true;
    this.options.appended?.on('appended', this.onAppended);
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.options.appended?.off('appended', this.onAppended);
    await this.loop.stop();
  }

  private async beginTerm(session: Client): Promise<Pipeline> {
    const { rows } = await session.query(
      `SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition",
              topic, topic_ends AS "topicEnds"
       FROM relay_checkpoints WHERE relay = $1`,
      [this.name],
    );
    const stored = rows[0];
    const position: StorePosition = stored ?? START_OF_STORE;
    // Ends recorded for another topic (KAFKA_TOPIC changed) say nothing about this one.
    const topicEnds = stored?.topic === this.options.publisher.topic ? (stored?.topicEnds ?? {}) : {};
    this.options.logger.info({ relay: this.name, position }, 'relay is the leader');
    const state: Pipeline = {
      position,
      nextIssuedAt: 0,
      checkpoint: Promise.resolve(),
      topicEnds,
      lastTopicCheck: 0,
    };
    await this.checkTopic(session, state);
    return state;
  }

  /**
   * One round: publishes the batch read ahead and checkpoints it. Pipelined: the next batch is read,
   * and the last checkpoint written, while the publisher waits for the broker's acknowledgement of
   * the current batch. A checkpoint still only ever names a batch that was acknowledged, and a failure
   * anywhere ends the term: the next one restarts from the stored checkpoint.
   */
  private async publishNextBatch({ session, state }: LeaderTerm<Pipeline>): Promise<boolean> {
    let batch = await state.next;
    // A short read-ahead misses what was appended in this process while the last batch was being
    // published: read again from the same position, so those events go out in this batch instead of
    // waiting a whole publish round (under load the read-ahead is full and is used as it is).
    const stale =
      (batch?.events.length ?? 0) < this.batchSize && this.appendsSignalled !== state.nextIssuedAt;
    if (!state.next || stale) batch = await this.read(state.position);
    state.next = undefined;
    if (!batch) {
      // Idle: the next read is issued after the wait, so that it sees what woke the relay.
      await state.checkpoint;
      if (Date.now() - state.lastTopicCheck >= (this.options.topicCheckIntervalMs ?? 5_000))
        await this.checkTopic(session, state);
      return false;
    }
    state.position = batch.lastPosition;
    state.next = this.read(state.position);
    state.nextIssuedAt = this.appendsSignalled;
    const acknowledged = await this.options.publisher.publish(batch.events);
    await state.checkpoint;
    if (acknowledged) await this.noticeTopicEnds(session, state, acknowledged);
    // Written on the lock-holding session: if that session is gone, so is our leadership.
    state.checkpoint = this.saveCheckpoint(session, state.position, state.topicEnds);
    state.checkpoint.catch(() => undefined); // awaited in the next round or at the end of the term
    this.published += batch.events.length;
    return true;
  }

  private async endTerm({ state }: LeaderTerm<Pipeline>): Promise<void> {
    await state.next?.catch(() => undefined);
    await state.checkpoint;
  }

  /** Compares the topic's end offsets with what was published; a topic that is gone ends at 0. */
  private async checkTopic(session: Client, state: Pipeline): Promise<void> {
    const { publisher } = this.options;
    if (!publisher.endOffsets) return;
    state.lastTopicCheck = Date.now();
    let ends: PartitionEnds;
    try {
      // Bounded: with the broker down the client retries for long, and publishing must resume at once.
      ends = await withTimeout(publisher.endOffsets(), TOPIC_CHECK_TIMEOUT_MS);
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') return; // broker down: publishing will say so
      ends = emptied(state.topicEnds);
    }
    await this.noticeTopicEnds(session, state, ends);
  }

  /**
   * Records partitions found ending before what the relay had published. The first loss stays
   * recorded (a later one adds to it) until a republish clears it: the fix must start before both.
   */
  private async noticeTopicEnds(session: Client, state: Pipeline, found: PartitionEnds): Promise<void> {
    const behind = partitionsBehind(state.topicEnds, found);
    if (behind.length > 0) {
      const loss: TopicLoss = {
        topic: this.options.publisher.topic ?? '',
        detectedAt: new Date().toISOString(),
        partitions: behind,
      };
      // From here on the topic's new ends are the reference: the loss is reported once, not forever.
      const reset = { ...state.topicEnds };
      for (const { partition } of behind) delete reset[partition];
      state.topicEnds = furthestEnds(reset, found);
      await session.query(
        `UPDATE relay_checkpoints SET topic_ends = $2,
           topic_loss = CASE WHEN topic_loss IS NULL THEN $3::jsonb
             ELSE jsonb_set(topic_loss, '{partitions}', (topic_loss->'partitions') || ($3::jsonb->'partitions')) END
         WHERE relay = $1`,
        [this.name, JSON.stringify(state.topicEnds), JSON.stringify(loss)],
      );
      this.options.logger.error(
        { relay: this.name, topicLoss: loss, fix: REPUBLISH_FIX },
        `topic ${loss.topic} holds fewer messages than the relay published to it (deleted or recreated): ` +
          `readers and rebuilds may miss events; run \`${REPUBLISH_FIX}\` to refill it from the event store`,
      );
      return;
    }
    state.topicEnds = furthestEnds(state.topicEnds, found);
  }

  /** The loss recorded by the relay and not yet repaired by a republish (any instance can answer). */
  async topicLoss(): Promise<TopicLoss | undefined> {
    const { rows } = await this.options.pool.query(
      'SELECT topic_loss AS "topicLoss" FROM relay_checkpoints WHERE relay = $1',
      [this.name],
    );
    return rows[0]?.topicLoss ?? undefined;
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
  private async saveCheckpoint(session: Client, position: StorePosition, ends: PartitionEnds): Promise<void> {
    await session.query(
      `INSERT INTO relay_checkpoints (relay, transaction_id, global_position, topic, topic_ends)
       SELECT $1, $2::xid8, $3, $4, $5 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
       ON CONFLICT (relay) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
         global_position = EXCLUDED.global_position, topic = EXCLUDED.topic,
         topic_ends = EXCLUDED.topic_ends, updated_at = now()`,
      [
        this.name,
        position.transactionId,
        position.globalPosition,
        this.options.publisher.topic ?? null,
        JSON.stringify(ends),
      ],
    );
  }
}
