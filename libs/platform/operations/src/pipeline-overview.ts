/**
 * One reading of the whole pipeline, from the stores themselves (Kafka, the write database, each
 * replica set's read database): what the admin console and `npm run admin -- status` show. It stays
 * truthful while a service is down, because no figure comes from a service's own memory.
 * The README of this library documents every field; keep the two together.
 */
export interface PipelineOverview {
  /** ISO time of the reading. */
  at: string;
  /** null when the write database could not be read (see `unavailable`). */
  relay: RelayStatus | null;
  replicaSets: ReplicaSetStatus[];
  /** null when the dead-letter topic's offsets could not be read. */
  deadLetters: DeadLetterCount | null;
  /** null when the write database could not be read. */
  transfers: TransferStatus | null;
  /** null when not measurable: no command-service metrics address configured, or the first reading. */
  commands: CommandRates | null;
  /** Sources that did not answer this time, and why; their sections are null or partial. */
  unavailable: Array<{ source: string; error: string }>;
}

export interface RelayStatus {
  /** Who holds the relay's lock: `pid <n> on <client address>` of its database session; null when nobody. */
  leader: string | null;
  /** Events committed in the store but not yet acknowledged by the topic. */
  backlog: number;
  /** When the relay last checkpointed a published batch; null before the first. */
  lastPublishedAt: string | null;
}

export interface ReplicaSetStatus {
  groupId: string;
  /** The consumer group's members now (empty: every replica of the set is down). */
  members: Array<{ memberId: string; clientId: string; host: string; partitions: number[] }>;
  partitions: PartitionStatus[];
  /** Events parked in this read database behind a gap in their stream; null if it could not be read. */
  parked: number | null;
}

export interface PartitionStatus {
  partition: number;
  /** The partition's end (high watermark) now. */
  endOffset: string;
  /**
   * Next offset to apply: everything before it is applied in the read database (the furthest of the
   * group's committed offset and its `projection_progress` row); null when the group has applied nothing.
   */
  appliedOffset: string | null;
  /** endOffset - appliedOffset (the whole partition when nothing is applied), at the reading. */
  lag: number;
  /**
   * Seconds the read tables are behind on this partition: 0 when caught up, else now minus the time
   * of the newest event applied (an upper bound); null when behind and nothing was applied yet.
   */
  freshnessSeconds: number | null;
  /** clientId of the member holding the partition; null if none. */
  member: string | null;
}

export interface DeadLetterCount {
  /** Messages in `<topic>.dead-letter` (retention aside: end minus start offsets). */
  total: number;
  /** Those not marked handled. */
  unhandled: number;
}

export interface TransferStatus {
  /** Transfers requested and not yet completed or failed. */
  inFlight: number;
  /** Age of the oldest of them; null when none. */
  oldestAgeSeconds: number | null;
}

export interface CommandRates {
  /** Command requests answered per second since the previous reading (all command-service instances). */
  perSecond: number;
  /** Of those, answered with a 5xx status. */
  errorsPerSecond: number;
}
