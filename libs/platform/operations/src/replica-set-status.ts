import { AssignerProtocol, type Admin } from 'kafkajs';
import type { PartitionStatus, ReplicaSetStatus } from './pipeline-overview';
import type { Queryable } from './sql';

/** A replica set: the query-service replicas sharing one consumer group and one read database. */
export interface ReplicaSetSource {
  groupId: string;
  /** Its read database, read only (`projection_progress`, `parked_events`); without it, Kafka alone. */
  readDb?: Queryable;
}

interface Progress {
  nextOffset: bigint;
  newestEventAt: Date | null;
}

export interface ReplicaSetReading {
  status: ReplicaSetStatus;
  unavailable: Array<{ source: string; error: string }>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Lag and freshness of one replica set from the topic's ends (read once per overview, passed in), the
 * group's committed offsets and members (Kafka) and the progress each chunk records in the read
 * database. The read database is the exact source (written with the chunk); the committed offsets
 * trail it by up to half a second, and are used alone when the read database does not answer.
 */
export async function readReplicaSet(
  admin: Admin,
  topic: string,
  ends: Map<number, bigint>,
  source: ReplicaSetSource,
  now: Date,
): Promise<ReplicaSetReading> {
  const unavailable: ReplicaSetReading['unavailable'] = [];
  const [members, committed, database] = await Promise.all([
    readMembers(admin, source.groupId, topic).catch((error: unknown) => {
      unavailable.push({ source: `kafka group ${source.groupId}`, error: message(error) });
      return [];
    }),
    readCommitted(admin, source.groupId, topic).catch((error: unknown) => {
      unavailable.push({ source: `kafka group ${source.groupId}`, error: message(error) });
      return new Map<number, bigint>();
    }),
    source.readDb
      ? readDatabase(source.readDb, source.groupId, topic).catch((error: unknown) => {
          unavailable.push({ source: `read database of ${source.groupId}`, error: message(error) });
          return undefined;
        })
      : Promise.resolve(undefined),
  ]);
  const holder = new Map<number, string>();
  for (const member of members)
    for (const partition of member.partitions) holder.set(partition, member.clientId);
  const partitions: PartitionStatus[] = [...ends]
    .sort(([a], [b]) => a - b)
    .map(([partition, end]) => {
      const progress = database?.progress.get(partition);
      const candidates = [committed.get(partition), progress?.nextOffset].filter(
        (offset): offset is bigint => offset !== undefined,
      );
      const applied = candidates.length > 0 ? candidates.reduce((a, b) => (a > b ? a : b)) : null;
      const lag = Number(end > (applied ?? 0n) ? end - (applied ?? 0n) : 0n);
      const newest = progress?.newestEventAt;
      const freshnessSeconds =
        lag === 0 ? 0 : newest ? Math.max(0, (now.getTime() - newest.getTime()) / 1000) : null;
      return {
        partition,
        endOffset: end.toString(),
        appliedOffset: applied === null ? null : applied.toString(),
        lag,
        freshnessSeconds,
        member: holder.get(partition) ?? null,
      };
    });
  return {
    status: { groupId: source.groupId, members, partitions, parked: database?.parked ?? null },
    unavailable,
  };
}

async function readMembers(admin: Admin, groupId: string, topic: string) {
  const { groups } = await admin.describeGroups([groupId]);
  return (groups[0]?.members ?? []).map((member) => {
    const decoded = member.memberAssignment.length
      ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
      : null;
    return {
      memberId: member.memberId,
      clientId: member.clientId,
      host: member.clientHost,
      partitions: [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b),
    };
  });
}

/** The group's committed offsets; a partition it never committed is absent. */
async function readCommitted(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const answer = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map<number, bigint>();
  for (const { partition, offset } of answer.find((t) => t.topic === topic)?.partitions ?? [])
    if (BigInt(offset) >= 0n) committed.set(partition, BigInt(offset));
  return committed;
}

async function readDatabase(db: Queryable, groupId: string, topic: string) {
  const [progress, parked] = await Promise.all([
    db.query<{ partition: number; nextOffset: string; newestEventAt: Date | null }>(
      `SELECT partition, next_offset::text AS "nextOffset", newest_event_at AS "newestEventAt"
       FROM projection_progress WHERE group_id = $1 AND topic = $2`,
      [groupId, topic],
    ),
    db.query<{ parked: number }>('SELECT count(*)::int AS parked FROM parked_events'),
  ]);
  return {
    progress: new Map<number, Progress>(
      progress.rows.map((row) => [
        row.partition,
        {
          nextOffset: BigInt(row.nextOffset),
          newestEventAt: row.newestEventAt && new Date(row.newestEventAt),
        },
      ]),
    ),
    parked: parked.rows[0].parked,
  };
}
