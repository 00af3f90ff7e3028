import {
  deadLetterBounds,
  deadLetterTopicOf,
  deadLetterTotal,
  listDeadLetters,
  readDeadLetter,
  redriveDeadLetters,
  type DeadLetterRecord,
} from '@tally/messaging';
import type { Kafka } from 'kafkajs';
import { DeadLetterMarks, markOf, type Queryable } from './dead-letter-marks';
import {
  filterDeadLetters,
  pageOfDeadLetters,
  type DeadLetterFilter,
  type DeadLetterPage,
  type DeadLetterPaging,
  type DeadLetterView,
} from './dead-letter-selection';

export interface DeadLetterDeskOptions {
  kafka: Kafka;
  /** The event topic; its letters are in `<topic>.dead-letter`. */
  topic: string;
  /** The read database holding `dead_letter_marks` (the service role may write it). */
  db: Queryable;
  /** Bounds each read of the dead-letter topic. */
  readTimeoutMs?: number;
}

/** Who acts, and why: stored with the mark. */
export interface DeadLetterActor {
  by: string;
  note?: string | null;
}

/** Letters re-driven at once by `redriveAll`: one produce request each, bounded in size. */
const REDRIVE_CHUNK = 500;

/**
 * What operators do with dead letters, for the command line and the admin console alike: list them
 * with filters and paging, inspect one, re-drive one (as it was or corrected) or every unhandled one
 * matching a filter, mark one handled. The letters are in Kafka (read with `@tally/messaging`), what
 * was done about them in the read database (`DeadLetterMarks`). Re-driving marks the letter
 * `redriven` after publishing it: a crash in between leaves it unhandled, and re-driving it again is
 * harmless (the read side applies each version once).
 */
export class DeadLetterDesk {
  readonly marks: DeadLetterMarks;

  constructor(private readonly options: DeadLetterDeskOptions) {
    this.marks = new DeadLetterMarks(options.db, deadLetterTopicOf(options.topic));
  }

  get deadLetterTopic(): string {
    return deadLetterTopicOf(this.options.topic);
  }

  async list(filter: DeadLetterFilter, paging: DeadLetterPaging): Promise<DeadLetterPage> {
    const [letters, marks] = await Promise.all([this.letters(), this.marks.all()]);
    return pageOfDeadLetters(letters, marks, filter, paging);
  }

  /** One letter with its mark; UnknownDeadLetterError if the topic does not hold it. */
  async show(id: string): Promise<DeadLetterView> {
    const letter = await readDeadLetter(
      this.options.kafka,
      this.options.topic,
      id,
      this.options.readTimeoutMs,
    );
    return { ...letter, mark: markOf(await this.marks.all(), letter) };
  }

  /** Re-drives one letter, as it was or with `value` (the corrected event), and marks it. */
  async redrive(id: string, actor: DeadLetterActor, value?: string): Promise<DeadLetterView> {
    const letter = await readDeadLetter(
      this.options.kafka,
      this.options.topic,
      id,
      this.options.readTimeoutMs,
    );
    await redriveDeadLetters(this.options.kafka, this.options.topic, [letter], value);
    await this.marks.mark([letter], 'redriven', actor);
    return this.show(id);
  }

  /** Re-drives, as they were, every unhandled letter matching `filter`; returns their ids. */
  async redriveAll(filter: DeadLetterFilter, actor: DeadLetterActor): Promise<string[]> {
    const [letters, marks] = await Promise.all([this.letters(), this.marks.all()]);
    const chosen = filterDeadLetters(letters, marks, { ...filter, state: 'unhandled' });
    for (let i = 0; i < chosen.length; i += REDRIVE_CHUNK) {
      const chunk = chosen.slice(i, i + REDRIVE_CHUNK);
      await redriveDeadLetters(this.options.kafka, this.options.topic, chunk);
      await this.marks.mark(chunk, 'redriven', actor);
    }
    return chosen.map((letter) => letter.id);
  }

  /** Marks one letter handled (dealt with otherwise, or not worth re-driving). */
  async markHandled(id: string, actor: DeadLetterActor): Promise<DeadLetterView> {
    const letter = await readDeadLetter(
      this.options.kafka,
      this.options.topic,
      id,
      this.options.readTimeoutMs,
    );
    await this.marks.mark([letter], 'handled', actor);
    return this.show(id);
  }

  /**
   * How many letters the topic holds and how many of them no one has handled, from the topic's
   * offsets and the marks: no letter is read, so it is cheap enough for every overview reading.
   */
  async counts(): Promise<{ total: number; unhandled: number }> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const bounds = await deadLetterBounds(admin, this.options.topic);
      const total = deadLetterTotal(bounds);
      return { total, unhandled: Math.max(0, total - (await this.marks.countWithin(bounds))) };
    } finally {
      await admin.disconnect();
    }
  }

  private letters(): Promise<DeadLetterRecord[]> {
    return listDeadLetters(this.options.kafka, this.options.topic, this.options.readTimeoutMs);
  }
}
