import type { DeadLetterBounds, DeadLetterRecord } from '@tally/messaging';

export type DeadLetterState = 'handled' | 'redriven';

/** What an operator did about a dead letter (the latest action). Re-driven counts as handled. */
export interface DeadLetterMark {
  state: DeadLetterState;
  by: string;
  at: string;
  note: string | null;
}

/** A pg Pool or Client: the marks need nothing else. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

interface MarkRow {
  partition: number;
  offset: string;
  original_partition: number;
  original_offset: string;
  state: DeadLetterState;
  marked_by: string;
  marked_at: Date;
  note: string | null;
}

/** A stored mark and the letter it was made for. */
export interface StoredMark extends DeadLetterMark {
  id: string;
  originalPartition: number;
  originalOffset: string;
}

/** The mark for `letter` if there is one made for this very letter (same origin), else null. */
export const markOf = (
  marks: ReadonlyMap<string, StoredMark>,
  letter: DeadLetterRecord,
): DeadLetterMark | null => {
  const mark = marks.get(letter.id);
  if (
    !mark ||
    mark.originalPartition !== letter.originalPartition ||
    mark.originalOffset !== letter.originalOffset
  )
    return null;
  return { state: mark.state, by: mark.by, at: mark.at, note: mark.note };
};

/**
 * The `dead_letter_marks` table (see its migration) for one dead-letter topic. Marks of letters the
 * topic no longer holds (retention) are kept: small, and they say what was done.
 */
export class DeadLetterMarks {
  constructor(
    private readonly db: Queryable,
    private readonly deadLetterTopic: string,
  ) {}

  async all(): Promise<Map<string, StoredMark>> {
    const { rows } = await this.db.query<MarkRow>(
      `SELECT partition, "offset"::text AS offset, original_partition, original_offset, state, marked_by,
              marked_at, note
       FROM dead_letter_marks WHERE dead_letter_topic = $1`,
      [this.deadLetterTopic],
    );
    return new Map(
      rows.map((row) => {
        const id = `${row.partition}:${row.offset}`;
        return [
          id,
          {
            id,
            originalPartition: row.original_partition,
            originalOffset: row.original_offset,
            state: row.state,
            by: row.marked_by,
            at: row.marked_at.toISOString(),
            note: row.note,
          },
        ];
      }),
    );
  }

  /** Records `state` for every letter, in one statement; a later action replaces an earlier one. */
  async mark(
    letters: readonly DeadLetterRecord[],
    state: DeadLetterState,
    by: { by: string; note?: string | null },
  ): Promise<void> {
    if (letters.length === 0) return;
    await this.db.query(
      `INSERT INTO dead_letter_marks
         (dead_letter_topic, partition, "offset", original_partition, original_offset, state, marked_by, note)
       SELECT $1, l.partition, l.offset, l.original_partition, l.original_offset, $2, $3, $4
       FROM unnest($5::int[], $6::bigint[], $7::int[], $8::text[])
         AS l(partition, "offset", original_partition, original_offset)
       ON CONFLICT (dead_letter_topic, partition, "offset") DO UPDATE SET
         original_partition = excluded.original_partition, original_offset = excluded.original_offset,
         state = excluded.state, marked_by = excluded.marked_by, marked_at = now(), note = excluded.note`,
      [
        this.deadLetterTopic,
        state,
        by.by,
        by.note ?? null,
        letters.map((l) => l.partition),
        letters.map((l) => l.offset),
        letters.map((l) => l.originalPartition),
        letters.map((l) => l.originalOffset),
      ],
    );
  }

  /**
   * Marked letters the topic still holds, from its bounds alone (no letter read): what to subtract
   * from its size for the unhandled count. A mark left from a topic deleted and created again could
   * count wrongly here until retention or new letters move past it; listing checks each origin.
   */
  async countWithin(bounds: readonly DeadLetterBounds[]): Promise<number> {
    if (bounds.length === 0) return 0;
    const { rows } = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM dead_letter_marks m
       JOIN unnest($2::int[], $3::bigint[], $4::bigint[]) AS b(partition, low, high)
         ON b.partition = m.partition AND m."offset" >= b.low AND m."offset" < b.high
       WHERE m.dead_letter_topic = $1`,
      [
        this.deadLetterTopic,
        bounds.map((b) => b.partition),
        bounds.map((b) => b.low.toString()),
        bounds.map((b) => b.high.toString()),
      ],
    );
    return rows[0].count;
  }
}
