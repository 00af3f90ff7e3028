import { transferIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { BulkLoad, BulkLoadable, BulkTarget } from '@tally/projections';
import { In, type EntityManager } from 'typeorm';
import { Transfer } from './transfer.entity';
import { evolveTransfer } from './transfer.evolve';

const COLUMNS = [
  'transfer_id',
  'from_account_id',
  'to_account_id',
  'amount',
  'currency',
  'status',
  'reason',
  'refunded',
  'version',
  'requested_at',
  'debited_at',
  'completed_at',
  'failed_at',
  'updated_at',
];

/** Same shape as the account summary: one SELECT and one multi-row upsert per batch. */
export class TransferProjection implements BulkLoadable {
  readonly name = 'transfers';

  /** Rebuild: every transfer's row folded in memory, written once at the end. */
  bulkLoad(target: BulkTarget): BulkLoad {
    const rows = new Map<string, Transfer>();
    return {
      add: (events) => {
        for (const event of events) {
          const id = transferIdOfStream(event.streamId);
          if (id === undefined) continue;
          const next = evolveTransfer(rows.get(id), event as Parameters<typeof evolveTransfer>[1]);
          if (next) rows.set(id, next);
        }
      },
      finish: () => {
        const sink = target.table('transfers', COLUMNS);
        for (const t of rows.values())
          sink.write([
            t.transferId,
            t.fromAccountId,
            t.toAccountId,
            t.amount,
            t.currency,
            t.status,
            t.reason,
            t.refunded,
            t.version,
            t.requestedAt,
            t.debitedAt,
            t.completedAt,
            t.failedAt,
            t.updatedAt,
          ]);
      },
    };
  }

  async apply(events: EventEnvelope[], tx: EntityManager): Promise<void> {
    const transferEvents = events.filter((event) => transferIdOfStream(event.streamId) !== undefined);
    if (transferEvents.length === 0) return;
    const ids = [...new Set(transferEvents.map((event) => transferIdOfStream(event.streamId) as string))];
    const repository = tx.getRepository(Transfer);
    const rows = new Map(
      (await repository.findBy({ transferId: In(ids) })).map((row) => [row.transferId, row]),
    );
    for (const event of transferEvents) {
      const id = transferIdOfStream(event.streamId) as string;
      const next = evolveTransfer(rows.get(id), event as Parameters<typeof evolveTransfer>[1]);
      if (next) rows.set(id, next);
    }
    const changed = ids.map((id) => rows.get(id)).filter((row): row is Transfer => row !== undefined);
    if (changed.length > 0) await repository.upsert(changed, ['transferId']);
  }
}
