import {
  foldReadModels,
  readModelSnapshot,
  type ReadModelSnapshot,
} from '@tally/accounts-read-models/testing';
import {
  accountIdOfStream,
  accountStreamId,
  decodeEvent,
  transferStreamId,
  type EventEnvelope,
} from '@tally/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { RequestHistory, RequestRecord } from './request-history';
import { sleep, type CommandRecord } from './workload';

interface StoredEvent extends EventEnvelope {
  globalPosition: number;
}

export interface CheckFigures {
  /** Must be 0. */
  acknowledgedCommandsLost: number;
  topicEventsMissing: number;
  topicEventsOutOfStreamOrder: number;
  readModelRowsDiffering: number;
  eventsAppliedTwice: number;
  moneyConservationViolations: number;
  rejectedCommandsVisible: number;
  /** A command whose events are in the store more than once (whatever its answers said). */
  commandsStoredTwice: number;
  /** An answer said "not done" (a 4xx, or a 503/429 asking for a retry), yet that attempt's events were stored. */
  refusedButStored: number;
  /** A transfer both credited to its target and refunded to its source. */
  transfersCreditedAndRefunded: number;
  /** Commands the client still could not tell the outcome of after all its retries with the same key. */
  unknownOutcomesUnresolved: number;
  /** Also must be 0: events nobody asked for, transfers never finished, balances off the client's books. */
  eventsWithUnknownCorrelation: number;
  transfersStuckInFlight: number;
  balancesDifferingFromClientLedger: number;
  /** The workload sends no If-Match: a 409 means the server let a lost race reach the client. */
  unconditionalCommandsAnswered409: number;
}

export interface CheckReport {
  figures: CheckFigures;
  details: Record<string, unknown>;
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const MONEY_EVENTS = new Set([
  'tally.account.money-deposited',
  'tally.account.money-withdrawn',
  'tally.account.transfer-debited',
  'tally.account.transfer-credited',
  'tally.account.transfer-refunded',
  'tally.account.balance-adjusted',
]);

/**
 * The independent checker: reads the event store, the whole topic (fresh consumer group) and the
 * read tables, and compares them with each other and with what the clients were told. It shares
 * nothing with the services but the event contracts and the pure read-model fold.
 */
export class Checker {
  constructor(
    private readonly settings: {
      writeDbUrl: string;
      readDbUrl: string;
      brokers: string;
      topic: string;
      log: (line: string) => void;
    },
  ) {}

  /** Waits (bounded) until no transfer is in flight, and the read side has every stream's last version. */
  async waitForDrain(
    timeoutMs: number,
  ): Promise<{ drained: boolean; ms: number; lagging: number; inFlight: number }> {
    const started = Date.now();
    let lagging = -1;
    let inFlight = -1;
    let lastLog = Date.now();
    while (Date.now() - started < timeoutMs) {
      try {
        inFlight = await withClient(this.settings.writeDbUrl, async (db) =>
          Number((await db.query('SELECT count(*) AS n FROM transfers_in_flight')).rows[0].n),
        );
        const versions = await withClient(
          this.settings.writeDbUrl,
          async (db) => (await db.query('SELECT stream_id, version FROM streams')).rows,
        );
        const applied = new Map<string, number>(
          await withClient(this.settings.readDbUrl, async (db) =>
            (
              await db.query(`SELECT stream_id, version FROM stream_positions WHERE projector = 'accounts'`)
            ).rows.map((r) => [r.stream_id as string, Number(r.version)] as [string, number]),
          ),
        );
        // Behind only: a stream the read side shows ahead of the store (an event the store never had)
        // will not catch up by waiting; the fold comparison reports it.
        lagging = versions.filter((r) => (applied.get(r.stream_id) ?? 0) < Number(r.version)).length;
        if (inFlight === 0 && lagging === 0)
          return { drained: true, ms: Date.now() - started, lagging, inFlight };
        if (Date.now() - lastLog > 5_000) {
          lastLog = Date.now();
          const waiting = await withClient(
            this.settings.writeDbUrl,
            async (db) =>
              (
                await db.query(
                  `SELECT attempts, round(extract(epoch FROM next_attempt_at - now()))::int AS due_in_s,
                        left(last_error, 120) AS last_error
                 FROM transfers_in_flight ORDER BY next_attempt_at DESC LIMIT 3`,
                )
              ).rows,
          );
          this.settings.log(
            `draining: ${lagging} streams behind on the read side, ${inFlight} transfers in flight ` +
              `(latest due: ${JSON.stringify(waiting)})`,
          );
        }
      } catch (error) {
        this.settings.log(`drain check failed, retrying: ${(error as Error).message}`);
      }
      await sleep(500);
    }
    return { drained: false, ms: Date.now() - started, lagging, inFlight };
  }

  async check(commands: CommandRecord[], history: RequestHistory): Promise<CheckReport> {
    const store = await this.readStore();
    const topic = await this.readTopic(store.length);
    const readModel = await withClient(this.settings.readDbUrl, (db) =>
      readModelSnapshot(async (sql) => (await db.query(sql)).rows),
    );
    const details: Record<string, unknown> = {
      storeEvents: store.length,
      topicMessages: topic.messages,
      topicMessagesNotEvents: topic.notEvents,
    };

    // 1. Acknowledged commands lost; commands applied more than once; rejected commands visible.
    const byCorrelation = new Map<string, StoredEvent[]>();
    for (const event of store) {
      const id = event.metadata.correlationId;
      byCorrelation.set(id, [...(byCorrelation.get(id) ?? []), event]);
    }
    const lost: string[] = [];
    const appliedTwice: string[] = [];
    for (const command of commands.filter((c) => c.outcome === 'acknowledged')) {
      const own = (byCorrelation.get(command.correlationId) ?? []).filter((e) => isCommandEvent(command, e));
      if (own.length === 0 || !own.every((e) => matches(command, e))) lost.push(describe(command, own));
      if (own.length > 1) appliedTwice.push(describe(command, own));
    }
    const storedTwice = commands
      .map((c) => ({
        c,
        own: (byCorrelation.get(c.correlationId) ?? []).filter((e) => isCommandEvent(c, e)),
      }))
      .filter(({ own }) => own.length > 1)
      .map(({ c, own }) => describe(c, own));
    const answers = judgeAnswers(commands, history.attemptsByCommand(), byCorrelation);
    const rejectedVisible = commands
      .filter((c) => c.outcome === 'rejected')
      .filter((c) => byCorrelation.has(c.correlationId) || topic.correlationIds.has(c.correlationId))
      .map((c) => describe(c, byCorrelation.get(c.correlationId) ?? []));
    const known = new Set(commands.map((c) => c.correlationId));
    const unknownCorrelation = store.filter((e) => !known.has(e.metadata.correlationId));
    const ambiguousApplied = commands.filter(
      (c) => c.outcome === 'failed' && byCorrelation.has(c.correlationId),
    ).length;

    // 2. The topic: every stored event present (same event id), first occurrences in stream order.
    const onTopic = topic.firstByStreamVersion;
    const missing = store.filter((e) => onTopic.get(`${e.streamId}@${e.streamVersion}`) !== e.eventId);
    const storeKeys = new Set(store.map((e) => `${e.streamId}@${e.streamVersion}`));
    const alien = [...onTopic.keys()].filter((k) => !storeKeys.has(k));

    // 3. Read model vs a fold of the store.
    const expected = foldReadModels(store);
    const diff = diffSnapshots(expected, readModel);

    // 4. Applied twice on the read side: ledger rows per account vs money events in its stream.
    const moneyPerAccount = new Map<string, number>();
    for (const e of store)
      if (MONEY_EVENTS.has(e.type)) {
        const id = accountIdOfStream(e.streamId)!;
        moneyPerAccount.set(id, (moneyPerAccount.get(id) ?? 0) + 1);
      }
    const ledgerPerAccount = new Map<string, number>();
    const ledgerKeys = new Set<string>();
    let duplicateLedgerRows = 0;
    for (const row of readModel.ledger) {
      ledgerPerAccount.set(row.accountId, (ledgerPerAccount.get(row.accountId) ?? 0) + 1);
      const key = `${row.accountId}@${row.version}`;
      if (ledgerKeys.has(key)) duplicateLedgerRows++;
      ledgerKeys.add(key);
    }
    const accountIds = new Set([...moneyPerAccount.keys(), ...ledgerPerAccount.keys()]);
    const ledgerCountMismatch = [...accountIds].filter(
      (id) => (moneyPerAccount.get(id) ?? 0) !== (ledgerPerAccount.get(id) ?? 0),
    );
    const overApplied = ledgerCountMismatch.filter(
      (id) => (ledgerPerAccount.get(id) ?? 0) > (moneyPerAccount.get(id) ?? 0),
    ).length;

    // 5. Money conservation, in the store (one snapshot) and on the read side.
    const money = await this.moneyInStore();
    const readSideBalances = readModel.accounts.reduce((sum, a) => sum + a.balance, 0);
    const readSideInFlight = readModel.transfers
      .filter((t) => t.status === 'debited')
      .reduce((sum, t) => sum + t.amount, 0);
    const conservation = {
      store: money,
      readSide: { balances: readSideBalances, inFlight: readSideInFlight },
      // Operators' adjustments (signed) are money brought in or taken out, like deposits and withdrawals.
      storeHolds: money.balances + money.inFlight === money.deposits - money.withdrawals + money.adjustments,
      readSideHolds:
        readSideBalances + readSideInFlight === money.deposits - money.withdrawals + money.adjustments,
      negativeBalances: expected.accounts.filter((a) => a.balance < 0).length,
    };
    const conservationViolations =
      (conservation.storeHolds ? 0 : 1) +
      (conservation.readSideHolds ? 0 : 1) +
      money.anomalies.length +
      conservation.negativeBalances;

    // 6. Transfers: every accepted one finished (completed or failed) once drained.
    const stuck = expected.transfers.filter((t) => t.status !== 'completed' && t.status !== 'failed');

    // 7. Each account's balance vs the client's own books: acknowledged deposits/withdrawals plus the
    //    store's transfer movements, for accounts with no ambiguous (failed after retries) command.
    const books = clientLedger(commands, store);
    const readBalances = new Map(readModel.accounts.map((a) => [a.accountId, a.balance]));
    const offBooks = [...books.balances.entries()].filter(
      ([id, balance]) => !books.ambiguous.has(id) && readBalances.get(id) !== balance,
    );

    const figures: CheckFigures = {
      acknowledgedCommandsLost: lost.length,
      topicEventsMissing: missing.length + alien.length,
      topicEventsOutOfStreamOrder: topic.outOfOrder + topic.streamsOnSeveralPartitions,
      readModelRowsDiffering: diff.count,
      eventsAppliedTwice: appliedTwice.length + duplicateLedgerRows + overApplied,
      moneyConservationViolations: conservationViolations,
      rejectedCommandsVisible: rejectedVisible.length,
      commandsStoredTwice: storedTwice.length,
      refusedButStored: answers.refusedButStored.length,
      transfersCreditedAndRefunded: money.creditedAndRefunded.length,
      unknownOutcomesUnresolved: answers.unresolved.length,
      eventsWithUnknownCorrelation: unknownCorrelation.length,
      transfersStuckInFlight: stuck.length,
      balancesDifferingFromClientLedger: offBooks.length,
      unconditionalCommandsAnswered409: commands.reduce((sum, c) => sum + c.conflicts, 0),
    };
    Object.assign(details, {
      topicDuplicates: topic.duplicates,
      unknownOutcomes: answers.unknown,
      ambiguousCommandsApplied: ambiguousApplied,
      accountsCheckedAgainstClientLedger: books.balances.size - books.ambiguous.size,
      conservation,
      readModelRows: {
        accounts: readModel.accounts.length,
        ledger: readModel.ledger.length,
        transfers: readModel.transfers.length,
        owners: readModel.owners.length,
      },
      samples: {
        lost: lost.slice(0, 5),
        appliedTwice: appliedTwice.slice(0, 5),
        rejectedVisible: rejectedVisible.slice(0, 5),
        storedTwice: storedTwice.slice(0, 5),
        refusedButStored: answers.refusedButStored.slice(0, 5),
        creditedAndRefunded: money.creditedAndRefunded.slice(0, 5),
        unknownUnresolved: answers.unresolved.slice(0, 5),
        topicMissing: missing.slice(0, 5).map((e) => `${e.streamId}@${e.streamVersion}`),
        topicAlien: alien.slice(0, 5),
        topicOutOfOrder: topic.outOfOrderSamples,
        readModelDiff: diff.samples,
        ledgerCountMismatch: ledgerCountMismatch.slice(0, 5),
        unknownCorrelation: unknownCorrelation
          .slice(0, 5)
          .map((e) => `${e.type} ${e.metadata.correlationId}`),
        stuck: stuck.slice(0, 5),
        offBooks: offBooks
          .slice(0, 5)
          .map(([id, b]) => `${id}: books ${b}, read model ${readBalances.get(id)}`),
      },
    });
    return { figures, details };
  }

  private readStore(): Promise<StoredEvent[]> {
    return withClient(this.settings.writeDbUrl, async (db) =>
      (
        await db.query(
          `SELECT global_position, event_id, event_type, schema_version, stream_id, stream_version, occurred_at,
                  data, metadata
           FROM events ORDER BY global_position`,
        )
      ).rows.map((row) => ({
        ...decodeEvent(
          JSON.stringify({
            eventId: row.event_id,
            type: row.event_type,
            schemaVersion: row.schema_version,
            streamId: row.stream_id,
            streamVersion: row.stream_version,
            occurredAt: new Date(row.occurred_at).toISOString(),
            data: row.data,
            metadata: row.metadata,
          }),
        ),
        globalPosition: Number(row.global_position),
      })),
    );
  }

  /** Conservation as one statement over the store: balances + in flight = deposits − withdrawals. */
  private moneyInStore() {
    return withClient(this.settings.writeDbUrl, async (db) => {
      const { rows } = await db.query(`
        WITH e AS (
          SELECT event_type AS type, (data->>'amount')::bigint AS amount, data->>'transferId' AS transfer_id
          FROM events WHERE stream_id LIKE 'account-%'
        ), t AS (
          SELECT transfer_id,
            count(*) FILTER (WHERE type = 'tally.account.transfer-debited') AS debits,
            count(*) FILTER (WHERE type IN ('tally.account.transfer-credited', 'tally.account.transfer-refunded')) AS settled,
            count(*) FILTER (WHERE type = 'tally.account.transfer-credited') AS credits,
            count(*) FILTER (WHERE type = 'tally.account.transfer-refunded') AS refunds,
            max(amount) FILTER (WHERE type = 'tally.account.transfer-debited') AS amount
          FROM e WHERE transfer_id IS NOT NULL GROUP BY transfer_id
        )
        SELECT
          (SELECT coalesce(sum(CASE WHEN type IN ('tally.account.money-deposited', 'tally.account.transfer-credited',
              'tally.account.transfer-refunded', 'tally.account.balance-adjusted') THEN amount
              WHEN type IN ('tally.account.money-withdrawn',
              'tally.account.transfer-debited') THEN -amount ELSE 0 END), 0) FROM e)::text AS balances,
          (SELECT coalesce(sum(amount), 0) FROM t WHERE debits = 1 AND settled = 0)::text AS in_flight,
          (SELECT coalesce(sum(amount), 0) FROM e WHERE type = 'tally.account.money-deposited')::text AS deposits,
          (SELECT coalesce(sum(amount), 0) FROM e WHERE type = 'tally.account.money-withdrawn')::text AS withdrawals,
          (SELECT coalesce(sum(amount), 0) FROM e WHERE type = 'tally.account.balance-adjusted')::text AS adjustments,
          (SELECT coalesce(array_agg(transfer_id), '{}') FROM t
            WHERE debits > 1 OR settled > 1 OR (settled > 0 AND debits = 0)) AS anomalies,
          (SELECT coalesce(array_agg(transfer_id), '{}') FROM t WHERE credits > 0 AND refunds > 0)
            AS credited_and_refunded`);
      const r = rows[0];
      return {
        balances: Number(r.balances),
        inFlight: Number(r.in_flight),
        deposits: Number(r.deposits),
        withdrawals: Number(r.withdrawals),
        adjustments: Number(r.adjustments),
        anomalies: r.anomalies as string[],
        creditedAndRefunded: r.credited_and_refunded as string[],
      };
    });
  }

  /** Consumes the whole topic with a fresh group, up to the high watermarks taken before starting. */
  private async readTopic(expectedAtLeast: number) {
    const kafka = new Kafka({
      clientId: 'tally-chaos-checker',
      brokers: this.settings.brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(this.settings.topic);
    await admin.disconnect();
    const end = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    const remaining = new Set(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => o.partition));
    const firstByStreamVersion = new Map<string, string>();
    const lastFirst = new Map<string, number>();
    const partitionOf = new Map<string, number>();
    const correlationIds = new Set<string>();
    const outOfOrderSamples: string[] = [];
    let messages = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    let streamsOnSeveralPartitions = 0;
    let notEvents = 0;
    const consumer = kafka.consumer({ groupId: `tally-chaos-checker-${Date.now()}`, sessionTimeout: 10_000 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.settings.topic, fromBeginning: true });
      let lastProgress = Date.now();
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            if (offset >= (end.get(batch.partition) ?? 0)) continue;
            lastProgress = Date.now();
            messages++;
            if (offset === (end.get(batch.partition) ?? 0) - 1) remaining.delete(batch.partition);
            let event: EventEnvelope;
            try {
              event = decodeEvent(message.value);
            } catch {
              // Not an event: the operator-action fault's poisoned message (dead-lettered by the readers).
              notEvents++;
              continue;
            }
            correlationIds.add(event.metadata.correlationId);
            const key = `${event.streamId}@${event.streamVersion}`;
            const partition = partitionOf.get(event.streamId);
            if (partition === undefined) partitionOf.set(event.streamId, batch.partition);
            else if (partition !== batch.partition) streamsOnSeveralPartitions++;
            if (firstByStreamVersion.has(key)) {
              duplicates++;
              continue;
            }
            firstByStreamVersion.set(key, event.eventId);
            const last = lastFirst.get(event.streamId) ?? 0;
            if (event.streamVersion !== last + 1) {
              outOfOrder++;
              if (outOfOrderSamples.length < 5)
                outOfOrderSamples.push(
                  `${key} after v${last} (partition ${batch.partition} offset ${offset})`,
                );
            }
            lastFirst.set(event.streamId, Math.max(last, event.streamVersion));
          }
        },
      });
      // Done at each partition's high watermark; or, since a transaction marker may sit at the last
      // offset, once nothing new arrived for a while and every stored event has been seen.
      const deadline = Date.now() + 120_000;
      while (remaining.size > 0) {
        if (Date.now() - lastProgress > 5_000 && firstByStreamVersion.size >= expectedAtLeast) break;
        if (Date.now() > deadline)
          throw new Error(
            `topic read timed out (${messages} messages, expected at least ${expectedAtLeast})`,
          );
        await sleep(250);
      }
    } finally {
      await consumer.disconnect();
    }
    return {
      messages,
      notEvents,
      duplicates,
      outOfOrder,
      outOfOrderSamples,
      streamsOnSeveralPartitions,
      firstByStreamVersion,
      correlationIds,
    };
  }
}

/** The event a command's own decision produced (not the transfer process' later steps). */
function isCommandEvent(command: CommandRecord, event: StoredEvent): boolean {
  switch (command.kind) {
    case 'open':
      return event.type === 'tally.account.opened';
    case 'deposit':
      return event.type === 'tally.account.money-deposited';
    case 'withdraw':
      return event.type === 'tally.account.money-withdrawn';
    case 'close':
      return event.type === 'tally.account.closed';
    case 'adjust':
      return event.type === 'tally.account.balance-adjusted';
    case 'transfer':
      return event.type === 'tally.transfer.requested';
  }
}

/** The event is where the acknowledgement said it is, with the command's amount. */
function matches(command: CommandRecord, event: StoredEvent): boolean {
  const data = event.data as { amount?: number };
  switch (command.kind) {
    case 'open':
      return event.streamId === accountStreamId(command.accountId ?? '') && event.streamVersion === 1;
    case 'deposit':
    case 'withdraw':
    case 'adjust':
      return (
        event.streamId === accountStreamId(command.accountId!) &&
        event.streamVersion === command.version &&
        data.amount === command.amount
      );
    case 'close':
      return (
        event.streamId === accountStreamId(command.accountId!) && event.streamVersion === command.version
      );
    case 'transfer':
      return event.streamId === transferStreamId(command.transferId ?? '') && data.amount === command.amount;
  }
}

const describe = (command: CommandRecord, events: StoredEvent[]) =>
  `#${command.seq} ${command.kind} ${command.path} ${JSON.stringify(command.body)} → ${command.status} ` +
  `v${command.version ?? '-'} corr ${command.correlationId}: ${events.map((e) => `${e.type}@${e.streamId}/${e.streamVersion}`).join(', ') || 'no events'}`;

/**
 * What the answers told each client against what the store holds:
 * - refused but stored: a command answered "not done" in its final answer has events; or its final
 *   `ok` was a replay (an earlier attempt stored it) although every earlier answer was a refusal;
 * - unknown outcomes: attempts the client could not tell about, and how its retries resolved them.
 */
function judgeAnswers(
  commands: CommandRecord[],
  attempts: Map<number, RequestRecord[]>,
  stored: Map<string, StoredEvent[]>,
) {
  const refusedButStored: string[] = [];
  const unresolved: string[] = [];
  const unknown = { attempts: 0, commands: 0, resolvedStored: 0, resolvedNotStored: 0, resolvedRefused: 0 };
  for (const command of commands) {
    const own = (stored.get(command.correlationId) ?? []).filter((e) => isCommandEvent(command, e));
    const tried = attempts.get(command.seq) ?? [];
    const unknowns = tried.filter((a) => a.answer === 'unknown').length;
    const final = tried[tried.length - 1];
    const before = tried.slice(0, -1);
    if (command.outcome === 'rejected' && own.length > 0) refusedButStored.push(describe(command, own));
    if (
      command.outcome === 'acknowledged' &&
      command.replayed &&
      before.length > 0 &&
      before.every((a) => a.answer === 'refused')
    )
      refusedButStored.push(
        `${describe(command, own)} (replayed after ${before.map((a) => a.status).join(', ')})`,
      );
    if (
      command.outcome === 'failed' &&
      before.concat(final ?? []).every((a) => a.answer === 'refused') &&
      own.length > 0
    )
      refusedButStored.push(describe(command, own));
    if (unknowns === 0) continue;
    unknown.attempts += unknowns;
    unknown.commands++;
    if (command.outcome === 'acknowledged') {
      if (command.replayed) unknown.resolvedStored++;
      else unknown.resolvedNotStored++;
    } else if (command.outcome === 'rejected') unknown.resolvedRefused++;
    else unresolved.push(describe(command, own));
  }
  return { refusedButStored, unresolved, unknown };
}

/** Balances from the client's acknowledged deposits, withdrawals and adjustments plus the store's transfer movements. */
function clientLedger(commands: CommandRecord[], store: StoredEvent[]) {
  const balances = new Map<string, number>();
  const ambiguous = new Set<string>();
  const add = (id: string, amount: number) => balances.set(id, (balances.get(id) ?? 0) + amount);
  for (const c of commands) {
    if (c.kind === 'open' && c.outcome === 'acknowledged') add(c.accountId!, 0);
    if (c.kind !== 'deposit' && c.kind !== 'withdraw' && c.kind !== 'adjust') continue;
    if (c.outcome === 'failed') ambiguous.add(c.accountId!);
    if (c.outcome === 'acknowledged') add(c.accountId!, c.kind === 'withdraw' ? -c.amount! : c.amount!);
  }
  for (const e of store) {
    const id = accountIdOfStream(e.streamId);
    const amount = (e.data as { amount?: number }).amount ?? 0;
    if (id === undefined) continue;
    if (e.type === 'tally.account.transfer-debited') add(id, -amount);
    if (e.type === 'tally.account.transfer-credited' || e.type === 'tally.account.transfer-refunded')
      add(id, amount);
  }
  return { balances, ambiguous };
}

/** Rows of the read model that differ from the fold (missing, extra or changed), per table. */
function diffSnapshots(expected: ReadModelSnapshot, actual: ReadModelSnapshot) {
  const keys: { [K in keyof ReadModelSnapshot]: (row: ReadModelSnapshot[K][number]) => string } = {
    accounts: (r) => (r as ReadModelSnapshot['accounts'][number]).accountId,
    ledger: (r) => {
      const row = r as ReadModelSnapshot['ledger'][number];
      return `${row.accountId}@${row.version}`;
    },
    transfers: (r) => (r as ReadModelSnapshot['transfers'][number]).transferId,
    owners: (r) => {
      const row = r as ReadModelSnapshot['owners'][number];
      return `${row.ownerId}/${row.currency}`;
    },
  };
  let count = 0;
  const samples: string[] = [];
  for (const table of Object.keys(keys) as (keyof ReadModelSnapshot)[]) {
    const key = keys[table] as (row: unknown) => string;
    const want = new Map(expected[table].map((r) => [key(r), JSON.stringify(r)]));
    const have = new Map(actual[table].map((r) => [key(r), JSON.stringify(r)]));
    for (const k of new Set([...want.keys(), ...have.keys()])) {
      if (want.get(k) === have.get(k)) continue;
      count++;
      if (samples.length < 8) samples.push(`${table} ${k}: expected ${want.get(k)} got ${have.get(k)}`);
    }
  }
  return { count, samples };
}
