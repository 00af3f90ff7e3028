import { Inject, Injectable } from '@nestjs/common';
import { AccountEventType, accountStreamId } from '@tally/contracts';
import { EVENT_STORE, TransactionScope, type EventStore } from '@tally/event-store';

/**
 * Who owns an account, from the first event of its stream (an owner never changes), for the routes
 * that do not fold the account themselves: its history, and the source of a transfer.
 */
@Injectable()
export class AccountOwners {
  constructor(
    private readonly scope: TransactionScope,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async ownerOf(accountId: string): Promise<string | undefined> {
    const [first] = await this.store.within(this.scope.db).readStream(accountStreamId(accountId), 1, 1);
    return first?.type === AccountEventType.Opened ? (first.data as { ownerId?: string }).ownerId : undefined;
  }
}
