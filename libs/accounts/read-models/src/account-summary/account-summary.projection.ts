import { accountIdOfStream, type EventEnvelope } from '@tally/contracts';
import type { Projection } from '@tally/projections';
import { In, type EntityManager } from 'typeorm';
import { AccountSummary } from './account-summary.entity';
import { evolveAccountSummary } from './account-summary.evolve';

/**
 * Folds a batch into the touched rows in memory, then writes them with one multi-row upsert:
 * one SELECT and one INSERT per batch, however many events it holds.
 */
export class AccountSummaryProjection implements Projection {
  readonly name = 'account-summary';

  async apply(events: EventEnvelope[], tx: EntityManager): Promise<void> {
    const accountEvents = events.filter((event) => accountIdOfStream(event.streamId) !== undefined);
    if (accountEvents.length === 0) return;
    const ids = [...new Set(accountEvents.map((event) => accountIdOfStream(event.streamId) as string))];
    const repository = tx.getRepository(AccountSummary);
    const rows = new Map(
      (await repository.findBy({ accountId: In(ids) })).map((row) => [row.accountId, row]),
    );
    for (const event of accountEvents) {
      const id = accountIdOfStream(event.streamId) as string;
      const next = evolveAccountSummary(rows.get(id), event as Parameters<typeof evolveAccountSummary>[1]);
      if (next) rows.set(id, next);
    }
    const changed = ids.map((id) => rows.get(id)).filter((row): row is AccountSummary => row !== undefined);
    if (changed.length > 0) await repository.upsert(changed, ['accountId']);
  }
}
