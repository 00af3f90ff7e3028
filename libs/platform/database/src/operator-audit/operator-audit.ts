/** A pool, a client or a transaction's connection: where an action is recorded. */
export interface AuditQueryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export type OperatorActionKind =
  | 'dead-letter.redrive'
  | 'dead-letter.redrive-all'
  | 'dead-letter.handled'
  | 'rebuild.start'
  | 'rebuild.cancel'
  | 'account.adjust';

/** One operator action as recorded: who, when, what (on what), why, and the state before and after. */
export interface OperatorAction {
  actor: string;
  action: OperatorActionKind;
  /** What it acted on: a dead letter id, an account id, a rebuild's replica set. */
  target: string;
  reason?: string | null;
  /** `done`, or `refused: <why>` for an action refused (it changed nothing). */
  outcome: string;
  before?: unknown;
  after?: unknown;
}

export interface RecordedOperatorAction extends OperatorAction {
  id: string;
  at: string;
}

/**
 * The operators' audit trail (`operator_actions` in the write database): append-only, written by the
 * console, the command line and the command service, read by the console's Audit page and
 * `npm run admin -- audit`.
 */
export class OperatorAudit {
  constructor(private readonly db: AuditQueryable) {}

  /** Appends `action`; on `db` when given (to commit with the action's own writes). */
  async record(action: OperatorAction, db: AuditQueryable = this.db): Promise<void> {
    await db.query(
      `INSERT INTO operator_actions (actor, action, target, reason, outcome, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        action.actor,
        action.action,
        action.target,
        action.reason ?? null,
        action.outcome,
        action.before === undefined ? null : JSON.stringify(action.before),
        action.after === undefined ? null : JSON.stringify(action.after),
      ],
    );
  }

  /** The latest actions first, `limit` at a time; `before`: the id of the last row of the previous page. */
  async latest(limit: number, before?: string): Promise<RecordedOperatorAction[]> {
    const { rows } = await this.db.query<RecordedOperatorAction & { at: Date }>(
      `SELECT id::text, at, actor, action, target, reason, outcome, before, after FROM operator_actions
       WHERE $2::bigint IS NULL OR id < $2::bigint ORDER BY id DESC LIMIT $1`,
      [limit, before ?? null],
    );
    return rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
  }
}
