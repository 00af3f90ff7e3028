// The JSON the console's API answers, shared by the server and the web app (apps/admin-console/web
// imports these types): keep this file free of imports, so the browser build can read it.

/** An event as the write database stores it (`events`), metadata included. */
export interface StoredEventView {
  globalPosition: string;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  data: unknown;
  metadata: { correlationId?: string; causationId?: string; actor?: string; [key: string]: unknown };
}

/** One field of a read row that differs from the fold of the events (see checkAccountRows). */
export interface RowDifferenceView {
  table: string;
  row: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface AccountRowView {
  accountId: string;
  ownerId: string;
  currency: string;
  balance: number;
  status: string;
  version: number;
  entryCount: number;
  openedAt: string;
  updatedAt: string;
}

export interface LedgerRowView {
  version: number;
  kind: string;
  amount: number;
  balanceAfter: number;
  occurredAt: string;
  transferId: string | null;
  counterpartyAccountId: string | null;
  source: string | null;
}

/** What one replica set's read database holds for the account. */
export interface ReplicaSetStreamView {
  groupId: string;
  /** Null when the read database could not be asked (then `error` says why). */
  appliedVersion: number | null;
  error?: string;
  /** Versions of this stream waiting in parked_events (ahead of a missing version). */
  parkedVersions: number[];
  account: AccountRowView | null;
  ledger: LedgerRowView[];
  /** The rows compared with the fold of the events up to appliedVersion; null if not checked. */
  check: { matches: boolean; version: number; differences: RowDifferenceView[] } | null;
  /** Why the check did not run, when it did not. */
  checkSkipped?: string;
}

/** GET /api/streams/:accountId */
export interface AccountStreamView {
  accountId: string;
  streamId: string;
  /** Every event of the stream (or the first STREAM_EVENTS_SHOWN), in version order. */
  events: StoredEventView[];
  totalEvents: number;
  replicaSets: ReplicaSetStreamView[];
}

/** An idempotency record: what the command service remembers of a request sent with Idempotency-Key. */
export interface IdempotencyRecordView {
  scope: string;
  key: string;
  status: number | null;
  createdAt: string;
  expiresAt: string;
  response: unknown;
}

/** A command, as far as the stores record it: the events it appended (one causation id) and its key. */
export interface CommandView {
  causationId: string;
  actor: string | null;
  /** The streams it wrote and the versions it appended, e.g. account-…@3. */
  appended: string[];
  firstRecordedAt: string;
  idempotency: IdempotencyRecordView[];
}

export interface TransferStepView {
  transferId: string;
  /** The transfer's events, in order: requested, source-debited, completed or failed. */
  steps: Array<{ type: string; version: number; occurredAt: string }>;
  /** The process manager's to-do row while the transfer is unfinished (transfers_in_flight). */
  inFlight: {
    attempts: number;
    nextAttemptAt: string;
    lastError: string | null;
    creditRefused: string | null;
  } | null;
  /** The transfers read model's row in each replica set. */
  readStatus: Array<{ groupId: string; status: string | null; version: number | null }>;
}

/** Per event: whether a replica set has applied it, and which read rows it reached. */
export interface ReadUpdateView {
  groupId: string;
  error?: string;
  events: Array<{
    eventId: string;
    stream: string;
    version: number;
    state: 'applied' | 'parked' | 'pending';
    rows: string[];
  }>;
}

/** GET /api/trace/:correlationId */
export interface TraceView {
  correlationId: string;
  commands: CommandView[];
  events: StoredEventView[];
  transfers: TransferStepView[];
  readModels: ReadUpdateView[];
}
