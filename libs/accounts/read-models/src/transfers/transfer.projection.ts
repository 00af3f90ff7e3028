import { transferIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { Projection } from '@tally/projections';
import { In, type EntityManager } from 'typeorm';
import { Transfer } from './transfer.entity';
import { evolveTransfer } from './transfer.evolve';

/** Same shape as the account summary: one SELECT and one multi-row upsert per batch. */
export class TransferProjection implements Projection {
  readonly name = 'transfers';

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
