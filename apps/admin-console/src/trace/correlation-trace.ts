import { AccountEventType, TransferEventType, accountIdOfStream, transferIdOfStream } from '@tally/contracts';
import type {
  CommandView,
  IdempotencyRecordView,
  ReadUpdateView,
  StoredEventView,
  TraceView,
  TransferStepView,
} from '../api/console-api';
import type { ConsoleDatabases, ReplicaSetDatabase } from '../console-databases';
import { EVENT_COLUMNS, eventView, messageOf, type EventRow } from '../stored-events';

/** The most events one trace shows (a correlation id is one request and what it set off). */
export const TRACE_EVENTS_SHOWN = 2_000;

/**
 * Everything one correlation id caused, from what the stores record: the events whose metadata
 * carries it (by the index `events_correlation_id`), grouped into commands by causation id, each
 * with its idempotency record if it was sent with a key; the transfers it started, step by step,
 * with the process manager's to-do row while unfinished; and, per replica set, whether each event
 * was applied (stream positions) and which read rows it reached. Undefined when nothing is known.
 */
export async function readTrace(
  databases: ConsoleDatabases,
  correlationId: string,
): Promise<TraceView | undefined> {
  const [rows, inFlight] = await Promise.all([
    databases.write<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE metadata->>'correlationId' = $1 ORDER BY events.global_position LIMIT $2`,
      [correlationId, TRACE_EVENTS_SHOWN],
    ),
    databases.write<InFlightRow>(
      `SELECT transfer_id::text, attempts, next_attempt_at, last_error, credit_refused
         FROM transfers_in_flight WHERE correlation_id = $1`,
      [correlationId],
    ),
  ]);
  if (rows.length === 0 && inFlight.length === 0) return undefined;
  const events = rows.map(eventView);
  const transferIds = [
    ...new Set([
      ...events.map((event) => transferIdOfStream(event.streamId)).filter((id) => id !== undefined),
      ...inFlight.map((row) => row.transfer_id),
    ]),
  ];
  const [commands, transfers, readModels] = await Promise.all([
    commandsOf(databases, events),
    transfersOf(databases, transferIds, inFlight),
    Promise.all(databases.replicaSets.map((replicaSet) => readUpdatesOf(replicaSet, events))),
  ]);
  for (const transfer of transfers)
    transfer.readStatus = readModels.map(({ view, transfers: rows }) => ({
      groupId: view.groupId,
      ...(rows.get(transfer.transferId) ?? { status: null, version: null }),
    }));
  return { correlationId, commands, events, transfers, readModels: readModels.map(({ view }) => view) };
}

interface InFlightRow {
  transfer_id: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  credit_refused: string | null;
}

/**
 * A command is what one causation id appended (the request's id for a client's command, or the
 * transfer process's own for its steps). Its idempotency record is found by what the command service
 * keys it on: the route and caller (`POST /accounts/<id>/deposits as <actor>`) and, in the stored
 * answer, the account version or transfer it reported.
 */
async function commandsOf(databases: ConsoleDatabases, events: StoredEventView[]): Promise<CommandView[]> {
  const byCause = new Map<string, StoredEventView[]>();
  for (const event of events) {
    const cause = event.metadata.causationId ?? '(none)';
    byCause.set(cause, [...(byCause.get(cause) ?? []), event]);
  }
  return Promise.all(
    [...byCause].map(async ([causationId, appended]) => {
      const actor = appended.find((event) => event.metadata.actor)?.metadata.actor ?? null;
      const lookups = appended
        .map((event) => idempotencyLookup(event, actor))
        .filter((lookup) => lookup !== undefined);
      const records = (
        await Promise.all(
          lookups.map(({ scope, field, value }) =>
            databases.write<IdempotencyRow>(
              `SELECT scope, key, status, created_at, expires_at, body FROM idempotency_keys
                WHERE scope = $1 AND body->>$2 = $3`,
              [scope, field, value],
            ),
          ),
        )
      ).flat();
      return {
        causationId,
        actor,
        appended: appended.map((event) => `${event.streamId}@${event.streamVersion}`),
        firstRecordedAt: appended[0].recordedAt,
        idempotency: records.map(idempotencyView),
      };
    }),
  );
}

interface IdempotencyRow {
  scope: string;
  key: string;
  status: number | null;
  created_at: Date;
  expires_at: Date;
  body: unknown;
}

const idempotencyView = (row: IdempotencyRow): IdempotencyRecordView => ({
  scope: row.scope,
  key: row.key,
  status: row.status,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
  response: row.body,
});

/** The route of the command that appended `event`, and the field of its answer that names the event. */
function idempotencyLookup(
  event: StoredEventView,
  actor: string | null,
): { scope: string; field: string; value: string } | undefined {
  const as = actor === null ? '' : ` as ${actor}`;
  const accountId = accountIdOfStream(event.streamId);
  const version = String(event.streamVersion);
  const accountRoute: Record<string, string> = {
    [AccountEventType.MoneyDeposited]: 'deposits',
    [AccountEventType.MoneyWithdrawn]: 'withdrawals',
    [AccountEventType.Closed]: 'close',
    [AccountEventType.BalanceAdjusted]: 'adjustments',
  };
  if (accountId !== undefined && event.type === AccountEventType.Opened)
    return { scope: `POST /accounts${as}`, field: 'accountId', value: accountId };
  if (accountId !== undefined && accountRoute[event.type])
    return {
      scope: `POST /accounts/${accountId}/${accountRoute[event.type]}${as}`,
      field: 'version',
      value: version,
    };
  const transferId = transferIdOfStream(event.streamId);
  if (transferId !== undefined && event.type === TransferEventType.Requested)
    return { scope: `POST /transfers${as}`, field: 'transferId', value: transferId };
  return undefined;
}

async function transfersOf(
  databases: ConsoleDatabases,
  transferIds: string[],
  inFlight: InFlightRow[],
): Promise<TransferStepView[]> {
  if (transferIds.length === 0) return [];
  const steps = await databases.write<{
    stream_id: string;
    event_type: string;
    stream_version: number;
    occurred_at: Date;
  }>(
    `SELECT stream_id, event_type, stream_version, occurred_at FROM events
      WHERE stream_id = ANY($1) ORDER BY stream_id, stream_version`,
    [transferIds.map((id) => `transfer-${id}`)],
  );
  return transferIds.map((transferId) => {
    const row = inFlight.find((candidate) => candidate.transfer_id === transferId);
    return {
      transferId,
      steps: steps
        .filter((step) => step.stream_id === `transfer-${transferId}`)
        .map((step) => ({
          type: step.event_type,
          version: step.stream_version,
          occurredAt: step.occurred_at.toISOString(),
        })),
      inFlight: row
        ? {
            attempts: row.attempts,
            nextAttemptAt: row.next_attempt_at.toISOString(),
            lastError: row.last_error,
            creditRefused: row.credit_refused,
          }
        : null,
      readStatus: [],
    };
  });
}

type TransferReadStatus = { status: string; version: number };

/**
 * Per event, in one replica set: applied (its stream's position reached it), parked (waiting for a
 * missing version) or pending (not yet consumed), and the read rows it reached: its ledger entry,
 * the account's row once at or past its version, the transfer's row.
 */
async function readUpdatesOf(
  replicaSet: ReplicaSetDatabase,
  events: StoredEventView[],
): Promise<{ view: ReadUpdateView; transfers: Map<string, TransferReadStatus> }> {
  const streams = [...new Set(events.map((event) => event.streamId))];
  const accountIds = [
    ...new Set(events.map((event) => accountIdOfStream(event.streamId)).filter((id) => id !== undefined)),
  ];
  const transferIds = [
    ...new Set(events.map((event) => transferIdOfStream(event.streamId)).filter((id) => id !== undefined)),
  ];
  try {
    const [positions, parked, ledger, accounts, transfers] = await Promise.all([
      replicaSet.query<{ stream_id: string; version: number }>(
        'SELECT stream_id, min(version) AS version FROM stream_positions WHERE stream_id = ANY($1) GROUP BY stream_id',
        [streams],
      ),
      replicaSet.query<{ stream_id: string; version: number }>(
        'SELECT DISTINCT stream_id, version FROM parked_events WHERE stream_id = ANY($1)',
        [streams],
      ),
      replicaSet.query<{ account_id: string; version: number }>(
        'SELECT account_id::text, version FROM ledger_entries WHERE account_id = ANY($1::uuid[])',
        [accountIds],
      ),
      replicaSet.query<{ account_id: string; version: number }>(
        'SELECT account_id::text, version FROM accounts WHERE account_id = ANY($1::uuid[])',
        [accountIds],
      ),
      replicaSet.query<{ transfer_id: string; status: string; version: number }>(
        'SELECT transfer_id, status, version FROM transfers WHERE transfer_id = ANY($1)',
        [transferIds],
      ),
    ]);
    const position = new Map(positions.map((row) => [row.stream_id, row.version]));
    const parkedAt = new Set(parked.map((row) => `${row.stream_id}@${row.version}`));
    const ledgerAt = new Set(ledger.map((row) => `${row.account_id}@${row.version}`));
    const accountVersion = new Map(accounts.map((row) => [row.account_id, row.version]));
    const transferRows = new Map(
      transfers.map((row) => [row.transfer_id, { status: row.status, version: row.version }]),
    );
    return {
      transfers: transferRows,
      view: {
        groupId: replicaSet.groupId,
        events: events.map((event) => {
          const key = `${event.streamId}@${event.streamVersion}`;
          const applied = (position.get(event.streamId) ?? 0) >= event.streamVersion;
          const rows: string[] = [];
          const accountId = accountIdOfStream(event.streamId);
          const transferId = transferIdOfStream(event.streamId);
          if (accountId !== undefined) {
            if (ledgerAt.has(`${accountId}@${event.streamVersion}`))
              rows.push(`ledger_entries ${accountId} v${event.streamVersion}`);
            const version = accountVersion.get(accountId);
            if (version !== undefined && version >= event.streamVersion)
              rows.push(`accounts ${accountId} (now v${version})`);
          }
          const transfer = transferId === undefined ? undefined : transferRows.get(transferId);
          if (transfer && transfer.version >= event.streamVersion)
            rows.push(`transfers ${transferId} (now ${transfer.status}, v${transfer.version})`);
          return {
            eventId: event.eventId,
            stream: event.streamId,
            version: event.streamVersion,
            state: applied ? 'applied' : parkedAt.has(key) ? 'parked' : 'pending',
            rows,
          };
        }),
      },
    };
  } catch (error) {
    return {
      transfers: new Map(),
      view: { groupId: replicaSet.groupId, error: messageOf(error), events: [] },
    };
  }
}
