import { EventLog } from '@tally/event-log';
import type { Pool } from 'pg';
import { START_OF_STORE, type StorePosition } from '../recorded-event';
import type { EventPublisher } from './outbox-relay';

/** Where a republish starts: the whole store, a global position, or the time events were recorded. */
export type RepublishFrom = { start: true } | { globalPosition: string } | { recordedAt: Date };

/** `start`, a global position, or an ISO 8601 time (as `--from` takes them); undefined otherwise. */
export function parseRepublishFrom(text: string | undefined): RepublishFrom | undefined {
  if (text === 'start') return { start: true };
  if (text && /^\d+$/.test(text)) return { globalPosition: text };
  if (text && /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)))
    return { recordedAt: new Date(text) };
  return undefined;
}

export interface RepublishOptions {
  /** The write database. */
  pool: Pool;
  publisher: EventPublisher;
  from: RepublishFrom;
  /** The relay whose checkpoint bounds the republish and whose recorded topic loss it clears. */
  relay?: string;
  batchSize?: number;
  /** Count what would be published, publish nothing. */
  dryRun?: boolean;
  onProgress?(published: number, total: number): void;
}

export interface RepublishResult {
  /** Events published (or that would be, in a dry run), predecessors pulled in included. */
  published: number;
  /** Exclusive start and inclusive end of the republished range, in publication order. */
  after: StorePosition;
  upTo: StorePosition;
  /** Whether a topic loss recorded by the relay was cleared. */
  clearedTopicLoss: boolean;
}

/**
 * Publishes the store's events again, in the relay's publication order, from `from` up to the relay's
 * checkpoint as it stands when the republish starts; what comes after is the running relay's to
 * publish. It runs beside the relay rather than by moving the relay's checkpoint back, so that:
 * - new events keep reaching readers at once (the relay is not held up behind the history);
 * - no leadership is involved: a running leader would overwrite a moved checkpoint with its next one;
 * - it works with the command service stopped.
 * The read side takes the two interleaved on a partition safely: a version it has applied is dropped,
 * and a version ahead of its stream waits (parked) until the republished predecessors arrive.
 */
export async function republishFromStore(options: RepublishOptions): Promise<RepublishResult> {
  const { pool, publisher } = options;
  const log = new EventLog(pool);
  const relay = options.relay ?? 'kafka';
  const started = new Date();
  const upTo = await relayCheckpoint(pool, relay);
  // Nothing recorded at or after `from`: nothing to republish.
  const after = (await startOf(pool, options.from)) ?? upTo;
  const total = await countBetween(pool, after, upTo);
  let published = 0;
  for (let position = after; beyond(upTo, position);) {
    const batch = await log.readPublicationBatch(position, options.batchSize ?? 1_000);
    if (!batch) break;
    if (!options.dryRun) await publisher.publish(batch.events);
    published += batch.events.length;
    position = batch.lastPosition;
    options.onProgress?.(published, total);
  }
  if (options.dryRun) return { published, after, upTo, clearedTopicLoss: false };
  // Only a loss noticed before this republish began is repaired by it.
  const { rowCount } = await pool.query(
    `UPDATE relay_checkpoints SET topic_loss = NULL
     WHERE relay = $1 AND topic_loss IS NOT NULL AND (topic_loss->>'detectedAt')::timestamptz <= $2`,
    [relay, started],
  );
  return { published, after, upTo, clearedTopicLoss: rowCount === 1 };
}

/** The position just before the first event to republish (positions are exclusive starts). */
async function startOf(pool: Pool, from: RepublishFrom): Promise<StorePosition | undefined> {
  if ('start' in from) return START_OF_STORE;
  const [condition, value] =
    'globalPosition' in from
      ? ['global_position >= $1::bigint', from.globalPosition]
      : ['recorded_at >= $1', from.recordedAt];
  // The first such event in publication order; events before it in that order but after it in
  // position are published too (harmless duplicates), so nothing at or after `from` is missed.
  const { rows } = await pool.query(
    `SELECT transaction_id::text AS "transactionId", (global_position - 1)::text AS "globalPosition"
     FROM events WHERE ${condition} ORDER BY transaction_id, global_position LIMIT 1`,
    [value],
  );
  return rows[0];
}

async function relayCheckpoint(pool: Pool, relay: string): Promise<StorePosition> {
  const { rows } = await pool.query(
    `SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition"
     FROM relay_checkpoints WHERE relay = $1`,
    [relay],
  );
  return rows[0] ?? START_OF_STORE;
}

async function countBetween(pool: Pool, after: StorePosition, upTo: StorePosition): Promise<number> {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM events
     WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
       AND (transaction_id, global_position) <= ($3::xid8, $4::bigint)`,
    [after.transactionId, after.globalPosition, upTo.transactionId, upTo.globalPosition],
  );
  return rows[0].n;
}

/** Whether `a` comes after `b` in publication order. */
const beyond = (a: StorePosition, b: StorePosition): boolean =>
  BigInt(a.transactionId) > BigInt(b.transactionId) ||
  (a.transactionId === b.transactionId && BigInt(a.globalPosition) > BigInt(b.globalPosition));
