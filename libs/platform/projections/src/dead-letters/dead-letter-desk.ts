import {
  deadLetterBounds,
  deadLetterTopicOf,
  deadLetterTotal,
  listDeadLetters,
  publishStoredEvents,
  readDeadLetter,
  type DeadLetterRecord,
  type StoredRedrive,
} from '@tally/messaging';
import { OperatorAudit } from '@tally/database';
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
import { NotAStoredEventError, storedEventOf } from './stored-event-of';

export interface DeadLetterDeskOptions {
  kafka: Kafka;
  /** The event topic; its letters are in `<topic>.dead-letter`. */
  topic: string;
  /** The read database holding `dead_letter_marks` (the service role may write it). */
  db: Queryable;
  /** The event store (`events`, read only): what a re-drive publishes is looked up there. */
  store: Queryable;
  /** Where every action (and every refused one) is recorded: `operator_actions` in the write database. */
  audit: OperatorAudit;
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

/** What the audit keeps of a letter: where it came from, its error, and its value (cut at 2,000 characters). */
const auditedLetter = (letter: DeadLetterRecord) => ({
  id: letter.id,
  key: letter.key,
  origin: `${letter.originalTopic}/${letter.originalPartition}@${letter.originalOffset}`,
  error: letter.error,
  value: letter.value?.slice(0, 2_000) ?? null,
});

/** What `redriveAll` did: the letters re-driven, and those left alone as no stored event. */
export interface RedriveAllOutcome {
  redriven: string[];
  notStored: string[];
}

/**
 * What operators do with dead letters, for the command line and the admin console alike: list them
 * with filters and paging, inspect one, re-drive one or every unhandled one matching a filter, mark
 * one handled. The letters are in Kafka (read with `@tally/messaging`), what was done about them in
 * the read database (`DeadLetterMarks`). A re-drive publishes the stored event the letter is a copy
 * of, to the configured topic (`storedEventOf`): never a value an operator typed, nor a letter that is
 * no stored event (that one is marked handled; money is corrected with an adjustment command).
 * Re-driving marks the letter `redriven` after publishing it: a crash in between leaves it unhandled,
 * and re-driving it again is harmless (the read side applies each version once).
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

  /**
   * Re-drives one letter: publishes the stored event it is a copy of, and marks it. Resolves with the
   * letter and the event published; NotAStoredEventError (nothing published) for any other letter.
   */
  async redrive(
    id: string,
    actor: DeadLetterActor,
  ): Promise<{ letter: DeadLetterView; event: StoredRedrive['event'] }> {
    const letter = await readDeadLetter(
      this.options.kafka,
      this.options.topic,
      id,
      this.options.readTimeoutMs,
    );
    const before = { letter: auditedLetter(letter), mark: markOf(await this.marks.all(), letter) };
    const audited = {
      actor: actor.by,
      action: 'dead-letter.redrive',
      target: id,
      reason: actor.note,
    } as const;
    let event: StoredRedrive['event'];
    try {
      event = await storedEventOf(this.options.store, letter);
    } catch (error) {
      if (error instanceof NotAStoredEventError)
        await this.options.audit.record({ ...audited, outcome: `refused: ${error.reason}`, before });
      throw error;
    }
    await publishStoredEvents(this.options.kafka, this.options.topic, [{ letter, event }]);
    await this.marks.mark([letter], 'redriven', actor);
    const view = await this.show(id);
    const { eventId, type, streamId, streamVersion } = event;
    await this.options.audit.record({
      ...audited,
      outcome: 'done',
      before,
      after: {
        published: { topic: this.options.topic, eventId, type, streamId, streamVersion },
        mark: view.mark,
      },
    });
    return { letter: view, event };
  }

  /** Records a re-drive refused because it came with a value to publish instead of the stored event. */
  async refuseCorrectedRedrive(id: string, actor: DeadLetterActor, value: string): Promise<void> {
    await this.options.audit.record({
      actor: actor.by,
      action: 'dead-letter.redrive',
      target: id,
      reason: actor.note,
      outcome: 'refused: a corrected value (a re-drive publishes the stored event only)',
      before: { offeredValue: value.slice(0, 2_000) },
    });
  }

  /**
   * Re-drives every unhandled letter matching `filter` that is a copy of a stored event (see
   * `redrive`); the others are left unhandled and named in `notStored`.
   */
  async redriveAll(filter: DeadLetterFilter, actor: DeadLetterActor): Promise<RedriveAllOutcome> {
    const [letters, marks] = await Promise.all([this.letters(), this.marks.all()]);
    const chosen = filterDeadLetters(letters, marks, { ...filter, state: 'unhandled' });
    const outcome: RedriveAllOutcome = { redriven: [], notStored: [] };
    for (let i = 0; i < chosen.length; i += REDRIVE_CHUNK) {
      const redrives: StoredRedrive[] = [];
      for (const letter of chosen.slice(i, i + REDRIVE_CHUNK)) {
        try {
          redrives.push({ letter, event: await storedEventOf(this.options.store, letter) });
        } catch (error) {
          if (!(error instanceof NotAStoredEventError)) throw error;
          outcome.notStored.push(letter.id);
        }
      }
      await publishStoredEvents(this.options.kafka, this.options.topic, redrives);
      await this.marks.mark(
        redrives.map((r) => r.letter),
        'redriven',
        actor,
      );
      outcome.redriven.push(...redrives.map((r) => r.letter.id));
    }
    await this.options.audit.record({
      actor: actor.by,
      action: 'dead-letter.redrive-all',
      target: JSON.stringify(filter),
      reason: actor.note,
      outcome: 'done',
      after: outcome,
    });
    return outcome;
  }

  /** Marks one letter handled (dealt with otherwise, or not worth re-driving). */
  async markHandled(id: string, actor: DeadLetterActor): Promise<DeadLetterView> {
    const letter = await readDeadLetter(
      this.options.kafka,
      this.options.topic,
      id,
      this.options.readTimeoutMs,
    );
    const before = { letter: auditedLetter(letter), mark: markOf(await this.marks.all(), letter) };
    await this.marks.mark([letter], 'handled', actor);
    const view = await this.show(id);
    await this.options.audit.record({
      actor: actor.by,
      action: 'dead-letter.handled',
      target: id,
      reason: actor.note,
      outcome: 'done',
      before,
      after: { mark: view.mark },
    });
    return view;
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
