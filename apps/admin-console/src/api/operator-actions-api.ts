// The JSON of the console's operator actions (dead letters, rebuild), shared by the server and the web
// app: keep this file free of imports, so the browser build can read it. The server's values come from
// @tally/projections (DeadLetterDesk, RebuildJob), whose shapes these mirror.

/** What an operator did about a dead letter (the latest action); re-driven counts as handled. */
export interface DeadLetterMarkView {
  state: 'handled' | 'redriven';
  by: string;
  at: string;
  note: string | null;
}

/** A message the read side could not apply, as the dead-letter topic holds it. */
export interface DeadLetterView {
  /** `<partition>:<offset>` in the dead-letter topic. */
  id: string;
  partition: number;
  offset: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  error: string;
  failedAt: string;
  /** The stream id it was keyed by. */
  key: string | null;
  /** The payload as text (normally the event's JSON). */
  value: string | null;
  headers: Record<string, string>;
  mark: DeadLetterMarkView | null;
}

/** GET /api/dead-letters */
export interface DeadLetterPageView {
  items: DeadLetterView[];
  /** What `after` takes for the next page; null on the last one. */
  next: string | null;
  matched: number;
  total: number;
}

/** POST /api/dead-letters/redrive */
export interface RedriveAllView {
  /** Re-driven: their stored events published. */
  redriven: string[];
  /** Left unhandled: no stored event has their id or stream and version (mark them handled). */
  notStored: string[];
}

export interface RebuildProgressView {
  phase: 'starting' | 'replaying' | 'catching-up' | 'indexing' | 'swapping' | 'done';
  source: 'store' | 'topic';
  done: number;
  total: number;
  applied: number;
  /** Events or messages read per second over the last five seconds; null until measurable. */
  rate: number | null;
  elapsedSeconds: number;
}

export interface RebuildView {
  id: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: string;
  finishedAt: string | null;
  cancelRequested: boolean;
  progress: RebuildProgressView;
  result: { messages: number; applied: number; seconds: number; retiredSchema: string | null } | null;
  error: string | null;
  /** Who started it from the console. */
  startedBy: string;
}

/** GET /api/rebuild: the running rebuild (or null) and the latest ones started here, newest first. */
export interface RebuildsView {
  current: RebuildView | null;
  recent: RebuildView[];
}

/** POST /api/rebuild */
export interface RebuildStartedView {
  /** False when a rebuild started from this console was already running: `rebuild` is that one. */
  started: boolean;
  rebuild: RebuildView;
}

/** One row of the operators' audit trail (operator_actions). */
export interface OperatorActionView {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  reason?: string | null;
  outcome: string;
  before?: unknown;
  after?: unknown;
}

/** GET /api/audit: newest first; `next` is the `before` of the next (older) page. */
export interface AuditPageView {
  actions: OperatorActionView[];
  next: string | null;
}
