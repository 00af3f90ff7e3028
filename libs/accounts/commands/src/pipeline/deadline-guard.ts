/** Something waiting for an answer that the deadline guard may give in its place. */
export interface Answerable<Result> {
  resolve(result: Result): void;
  reject(error: unknown): void;
  /** Set once answered, by whoever answered first (from then on the others' answers are dropped). */
  answered?: boolean;
}

/**
 * How long past its deadline a request may still be answered by the pipeline itself (the outcome of a
 * write that is just committing), before the guard answers it: the bound on "answered late".
 */
export const DEADLINE_GRACE_MS = 250;

/**
 * Makes sure `waiting` is answered by `deadline` + DEADLINE_GRACE_MS, whatever the database does (a
 * stalled connection, a lock wait, a lookup that hangs): then it is rejected with `late()`, which
 * must say what is true at that moment (never sent: not written; sent: outcome unknown). Its
 * resolve/reject are wrapped so that only the first answer counts.
 */
export function guardDeadline<Result>(
  waiting: Answerable<Result>,
  deadline: number,
  late: () => Error,
): void {
  const { resolve, reject } = waiting;
  const timer = setTimeout(
    () => {
      if (waiting.answered) return;
      waiting.answered = true;
      reject(late());
    },
    deadline + DEADLINE_GRACE_MS - Date.now(),
  );
  timer.unref();
  waiting.resolve = (result) => {
    clearTimeout(timer);
    if (waiting.answered) return;
    waiting.answered = true;
    resolve(result);
  };
  waiting.reject = (error) => {
    clearTimeout(timer);
    if (waiting.answered) return;
    waiting.answered = true;
    reject(error);
  };
}
