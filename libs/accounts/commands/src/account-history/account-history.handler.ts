import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { accountStreamId } from '@tally/contracts';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@tally/event-store';

export interface AccountHistoryPage {
  /** The stream's version now; the page may end before it. */
  version: number;
  events: RecordedEvent[];
}

export class GetAccountHistory extends Query<AccountHistoryPage | undefined> {
  constructor(
    readonly accountId: string,
    readonly fromVersion: number,
    readonly limit: number,
  ) {
    super();
  }
}

/** The audit trail straight from the event store: every event as recorded (upcast to its latest version). */
@QueryHandler(GetAccountHistory)
export class GetAccountHistoryHandler implements IQueryHandler<GetAccountHistory> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({
    accountId,
    fromVersion,
    limit,
  }: GetAccountHistory): Promise<AccountHistoryPage | undefined> {
    const streamId = accountStreamId(accountId);
    const version = await this.store.streamVersion(streamId);
    if (version === 0) return undefined;
    return { version, events: await this.store.readStream(streamId, fromVersion, limit) };
  }
}
