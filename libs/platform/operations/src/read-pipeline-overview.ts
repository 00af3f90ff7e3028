import {
  deadLetterBoundsOf,
  deadLetterTopicOf,
  deadLetterTotal,
  type DeadLetterBounds,
} from '@tally/messaging';
import type { Admin } from 'kafkajs';
import type { CommandRateSampler } from './command-rates';
import type { DeadLetterCount, PipelineOverview } from './pipeline-overview';
import { readRelayStatus } from './relay-status';
import { readReplicaSet, type ReplicaSetSource } from './replica-set-status';
import type { Queryable } from './sql';
import { readTransferStatus } from './transfer-status';

export interface OverviewSources {
  /** A connected kafkajs admin client (describe and offsets only: it changes nothing). */
  admin: Admin;
  /** The event topic; dead letters are counted on `<topic>.dead-letter`. */
  topic: string;
  /** The write database, read only: relay checkpoint and lock, `events`, `transfers_in_flight`. */
  writeDb: Queryable;
  replicaSets: ReplicaSetSource[];
  /** The relay's name (its checkpoint row and lock): `kafka` unless the command service says otherwise. */
  relayName?: string;
  /** The command services' request counters; without it, `commands` is null. */
  commands?: CommandRateSampler;
  /**
   * How many of the letters the dead-letter topic holds now (`bounds`: each partition's start and end
   * offsets) are marked handled or re-driven: subtracted from the total to give `unhandled`. Without
   * it every dead letter counts as unhandled. See DeadLetterMarks.countWithin (`@tally/projections`).
   */
  handledDeadLetters?: (bounds: DeadLetterBounds[]) => Promise<number>;
  now?: () => Date;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads every source at once; a source that fails leaves its section null (or, for a replica set,
 * partial) and is named in `unavailable`, so one unreachable database never hides the rest. Only the
 * topic's own offsets are required: without them there is no lag to compute, and it throws.
 */
export async function readPipelineOverview(sources: OverviewSources): Promise<PipelineOverview> {
  const now = (sources.now ?? (() => new Date()))();
  const unavailable: PipelineOverview['unavailable'] = [];
  const attempt = <T>(source: string, work: () => Promise<T>): Promise<T | null> =>
    work().catch((error: unknown) => {
      unavailable.push({ source, error: message(error) });
      return null;
    });
  const ends = new Map(
    (await sources.admin.fetchTopicOffsets(sources.topic)).map((p) => [p.partition, BigInt(p.high)]),
  );
  const sampler = sources.commands;
  const [relay, transfers, deadLetters, commands, replicaSets] = await Promise.all([
    attempt('write database', () => readRelayStatus(sources.writeDb, sources.relayName)),
    attempt('write database', () => readTransferStatus(sources.writeDb)),
    attempt('dead-letter topic', () => countDeadLetters(sources, (error) => unavailable.push(error))),
    sampler ? attempt('command-service metrics', () => sampler.read()) : null,
    Promise.all(
      sources.replicaSets.map((set) => readReplicaSet(sources.admin, sources.topic, ends, set, now)),
    ),
  ]);
  for (const set of replicaSets) unavailable.push(...set.unavailable);
  return {
    at: now.toISOString(),
    relay,
    replicaSets: replicaSets.map((set) => set.status),
    deadLetters,
    transfers,
    commands,
    unavailable: dedupe(unavailable),
  };
}

async function countDeadLetters(
  sources: OverviewSources,
  unreadable: (entry: PipelineOverview['unavailable'][number]) => void,
): Promise<DeadLetterCount> {
  const topic = deadLetterTopicOf(sources.topic);
  // The query service creates the dead-letter topic; before that there are none.
  const exists = (await sources.admin.listTopics()).includes(topic);
  const bounds = exists ? deadLetterBoundsOf(await sources.admin.fetchTopicOffsets(topic)) : [];
  const total = deadLetterTotal(bounds);
  // Marks that cannot be read (their database down or not migrated yet) leave every letter unhandled,
  // rather than hiding the count the topic gives.
  const handled =
    sources.handledDeadLetters && total > 0
      ? await sources.handledDeadLetters(bounds).catch((error: unknown) => {
          unreadable({ source: 'dead-letter marks', error: message(error) });
          return 0;
        })
      : 0;
  return { total, unhandled: Math.max(0, total - handled) };
}

const dedupe = (entries: PipelineOverview['unavailable']) =>
  entries.filter((e, i) => entries.findIndex((o) => o.source === e.source && o.error === e.error) === i);
