import { compareDeadLetterIds, parseDeadLetterId, type DeadLetterRecord } from '@tally/messaging';
import { markOf, type DeadLetterMark, type StoredMark } from './dead-letter-marks';

/** Every field narrows the selection; none given: every letter. */
export interface DeadLetterFilter {
  /** The partition of the event topic the letter came from. */
  originalPartition?: number;
  /** Part of the error text, any case. */
  error?: string;
  /** Part of the key (the stream id, e.g. an account id), any case. */
  key?: string;
  /** Failed at or after this instant. */
  failedFrom?: Date;
  /** Failed before this instant. */
  failedTo?: Date;
  /** `unhandled`: neither re-driven nor marked handled; `handled`: either. Default `all`. */
  state?: 'all' | 'unhandled' | 'handled';
}

/** Keyset paging over the letters in id order (partition, then offset), which never changes. */
export interface DeadLetterPaging {
  /** The last id of the previous page; the first page without it. */
  after?: string;
  limit: number;
}

export const MAX_PAGE_SIZE = 500;

export interface DeadLetterView extends DeadLetterRecord {
  mark: DeadLetterMark | null;
}

export interface DeadLetterPage {
  items: DeadLetterView[];
  /** What `after` takes for the next page; null on the last one. */
  next: string | null;
  /** Letters matching the filter, over all pages. */
  matched: number;
  /** Letters in the topic, whatever the filter. */
  total: number;
}

/** What is wrong with a filter or paging an operator sent, one sentence each; empty when fine. */
export function selectionProblems(filter: DeadLetterFilter, paging: DeadLetterPaging): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(paging.limit) || paging.limit < 1 || paging.limit > MAX_PAGE_SIZE)
    problems.push(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  if (paging.after !== undefined && !parseDeadLetterId(paging.after))
    problems.push('after must be a dead-letter id, <partition>:<offset>');
  if (
    filter.originalPartition !== undefined &&
    (!Number.isSafeInteger(filter.originalPartition) || filter.originalPartition < 0)
  )
    problems.push('partition must be a whole number, 0 or more');
  for (const [name, value] of [
    ['from', filter.failedFrom],
    ['to', filter.failedTo],
  ] as const)
    if (value !== undefined && Number.isNaN(value.getTime()))
      problems.push(`${name} must be an ISO 8601 instant`);
  if (filter.state !== undefined && !['all', 'unhandled', 'handled'].includes(filter.state))
    problems.push('state must be all, unhandled or handled');
  return problems;
}

export function matchesFilter(
  letter: DeadLetterRecord,
  mark: DeadLetterMark | null,
  filter: DeadLetterFilter,
): boolean {
  if (filter.originalPartition !== undefined && letter.originalPartition !== filter.originalPartition)
    return false;
  if (filter.error && !letter.error.toLowerCase().includes(filter.error.toLowerCase())) return false;
  if (filter.key && !(letter.key ?? '').toLowerCase().includes(filter.key.toLowerCase())) return false;
  if (filter.failedFrom || filter.failedTo) {
    const failedAt = Date.parse(letter.failedAt);
    // A letter without a readable time matches no time range.
    if (Number.isNaN(failedAt)) return false;
    if (filter.failedFrom && failedAt < filter.failedFrom.getTime()) return false;
    if (filter.failedTo && failedAt >= filter.failedTo.getTime()) return false;
  }
  if (filter.state === 'unhandled' && mark) return false;
  if (filter.state === 'handled' && !mark) return false;
  return true;
}

/** The letters matching `filter`, each with its mark, in id order. */
export function filterDeadLetters(
  letters: readonly DeadLetterRecord[],
  marks: ReadonlyMap<string, StoredMark>,
  filter: DeadLetterFilter,
): DeadLetterView[] {
  return [...letters]
    .sort((a, b) => compareDeadLetterIds(a.id, b.id))
    .map((letter) => ({ ...letter, mark: markOf(marks, letter) }))
    .filter((view) => matchesFilter(view, view.mark, filter));
}

/**
 * One page of the letters matching `filter`. Pages are cut by id, not by position: a letter added
 * or marked meanwhile never shifts the next page (new letters land at the end of their partition).
 */
export function pageOfDeadLetters(
  letters: readonly DeadLetterRecord[],
  marks: ReadonlyMap<string, StoredMark>,
  filter: DeadLetterFilter,
  paging: DeadLetterPaging,
): DeadLetterPage {
  const matching = filterDeadLetters(letters, marks, filter);
  const after = paging.after;
  const rest =
    after === undefined ? matching : matching.filter((view) => compareDeadLetterIds(view.id, after) > 0);
  const items = rest.slice(0, paging.limit);
  return {
    items,
    next: rest.length > items.length ? items[items.length - 1].id : null,
    matched: matching.length,
    total: letters.length,
  };
}
