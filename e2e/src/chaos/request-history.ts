import type { HttpOutcome } from './http-stats';

/**
 * What one answer told the client:
 * - `ok`: done (2xx);
 * - `refused`: not done, and nothing was stored: a 4xx, or a 503/429/409 version-conflict that asks
 *   for a retry (a promise that the command did not take effect);
 * - `unknown`: the client cannot tell (no answer, a timeout, `503 outcome-unknown`, any other 5xx).
 */
export type Answer = 'ok' | 'refused' | 'unknown';

export interface RequestRecord {
  /** The command this attempt belongs to (`CommandRecord.seq`); undefined for reads. */
  command?: number;
  method: 'GET' | 'POST';
  /** The instance that was asked (command-0, query-0, replica-1, ...). */
  target: string;
  /** Epoch ms when the request was sent, and how long until it was answered (or given up on). */
  startedAt: number;
  ms: number;
  status: number;
  code?: string;
  timedOut: boolean;
  answer: Answer;
}

/** A process frozen with SIGSTOP: it answers nothing in this window, whatever the code does. */
export interface PauseWindow {
  target: string;
  from: number;
  to: number;
}

export function answerOf(outcome: HttpOutcome): Answer {
  const { status } = outcome;
  if (status >= 200 && status < 300) return 'ok';
  if (status === 0) return 'unknown';
  if (status === 503) return outcome.body?.code === 'outcome-unknown' ? 'unknown' : 'refused';
  if (status >= 500) return 'unknown';
  return 'refused';
}

/** Every HTTP request of the run, in the order they were sent, and the windows in which a target was paused. */
export class RequestHistory {
  readonly requests: RequestRecord[] = [];
  readonly pauses: PauseWindow[] = [];

  record(
    entry: Omit<RequestRecord, 'answer' | 'status' | 'code' | 'timedOut'>,
    outcome: HttpOutcome,
  ): RequestRecord {
    const record: RequestRecord = {
      ...entry,
      status: outcome.status,
      code: outcome.body?.code,
      timedOut: outcome.timedOut,
      answer: answerOf(outcome),
    };
    this.requests.push(record);
    return record;
  }

  /** Starts a pause of `target`; call the result when it resumes. */
  paused(target: string): () => void {
    const window: PauseWindow = { target, from: Date.now(), to: Number.POSITIVE_INFINITY };
    this.pauses.push(window);
    return () => (window.to = Date.now());
  }

  /** Was `request`'s target frozen at some time while it waited for its answer? */
  excusedByPause(request: RequestRecord): boolean {
    const end = request.startedAt + request.ms;
    return this.pauses.some((p) => p.target === request.target && p.from <= end && p.to >= request.startedAt);
  }

  /**
   * Requests answered later than `limitMs` after they were sent, or not answered at all within the
   * client's patience, except those whose own target was frozen meanwhile (no code answers then).
   */
  late(method: RequestRecord['method'], limitMs: number): RequestRecord[] {
    return this.requests.filter(
      (r) => r.method === method && (r.timedOut || r.ms > limitMs) && !this.excusedByPause(r),
    );
  }

  /** The attempts of each command, in order. */
  attemptsByCommand(): Map<number, RequestRecord[]> {
    const byCommand = new Map<number, RequestRecord[]>();
    for (const request of this.requests)
      if (request.command !== undefined)
        byCommand.set(request.command, [...(byCommand.get(request.command) ?? []), request]);
    return byCommand;
  }
}
