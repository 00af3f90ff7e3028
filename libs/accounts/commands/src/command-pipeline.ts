import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { encodeConsistencyToken, type DomainEvent } from '@tally/contracts';
import type { Decider } from '@tally/accounts-domain';
import {
  PostgresEventStore,
  SnapshotStore,
  TransactionScope,
  WrongExpectedVersionError,
  type NewEvent,
} from '@tally/event-store';
import type { CommandContext, WriteResult } from './command-context';
import { COMMANDS_OPTIONS, type CommandsOptions } from './commands-options';

export interface StreamOf<State> {
  streamId: string;
  streamType: string;
  decider: Decider<unknown, DomainEvent, State>;
  schemaVersionOf(eventType: string): number;
  /** Names the shape of State for snapshots; change it when State changes shape. None: no snapshots. */
  snapshotKind?: string;
}

export interface Loaded<State> {
  state: State;
  version: number;
  /** Events folded on top of the snapshot: what this load cost. */
  eventsRead: number;
  snapshotVersion: number;
}

export interface RunOptions {
  /**
   * Ids for the decided events, derived from the command rather than random: a process step retried
   * after a crash finds its event already stored and does nothing (the unique event id also stops
   * two racing leaders). Used for the steps of transfers.
   */
  eventIds?: (index: number) => string;
}

/** Decisions are re-made on fresh state this many times when another writer wins the race. */
const MAX_ATTEMPTS = 5;
const PAGE = 10_000;

export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`Expected version ${expectedVersion}, but the stream is at ${currentVersion}`);
  }
}

/**
 * The one command pipeline: load the stream (snapshot + tail), fold it, decide, append with the
 * version read as the expected version. With If-Match the client's version must be current; without
 * it, losing a race to a concurrent writer re-runs the decision on the new state, so nothing is lost
 * or applied twice. Everything runs on the current transaction when there is one (an idempotent
 * request), so the events commit together with the stored response.
 */
@Injectable()
export class CommandPipeline {
  constructor(
    private readonly scope: TransactionScope,
    @Inject(COMMANDS_OPTIONS) private readonly options: Pick<CommandsOptions, 'snapshotEvery'>,
  ) {}

  async load<State>(stream: StreamOf<State>): Promise<Loaded<State>> {
    const store = new PostgresEventStore(this.scope.db);
    const snapshot = stream.snapshotKind
      ? await new SnapshotStore(this.scope.db).load<State>(stream.streamId, stream.snapshotKind)
      : undefined;
    let state = snapshot?.state ?? stream.decider.initialState;
    let version = snapshot?.version ?? 0;
    let eventsRead = 0;
    for (;;) {
      const page = await store.readStream(stream.streamId, version + 1, PAGE);
      for (const event of page) state = stream.decider.evolve(state, event as DomainEvent);
      eventsRead += page.length;
      if (page.length > 0) version = page[page.length - 1].streamVersion;
      if (page.length < PAGE) break;
    }
    return { state, version, eventsRead, snapshotVersion: snapshot?.version ?? 0 };
  }

  async run<Command, State>(
    stream: StreamOf<State>,
    command: Command,
    context: CommandContext,
    options: RunOptions = {},
    now: () => Date = () => new Date(),
  ): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(stream);
      context.authorize?.(loaded.state);
      if (context.expectedVersion !== undefined && context.expectedVersion !== loaded.version) {
        throw new VersionConflictError(context.expectedVersion, loaded.version);
      }
      const store = new PostgresEventStore(this.scope.db);
      if (options.eventIds && (await store.hasEvent(options.eventIds(0)))) {
        return writeResult(stream.streamId, loaded.version); // this step already happened
      }
      const decided = stream.decider.decide(command, loaded.state);
      const events = this.envelope(stream, decided, context, options, now());
      try {
        const version = await store.append(stream.streamId, stream.streamType, loaded.version, events);
        await this.snapshotIfDue(stream, loaded, decided, version);
        return writeResult(stream.streamId, version);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (context.expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
          throw new VersionConflictError(context.expectedVersion ?? loaded.version, error.actualVersion);
        }
      }
    }
  }

  private envelope(
    stream: StreamOf<unknown>,
    decided: DomainEvent[],
    context: CommandContext,
    options: RunOptions,
    occurredAt: Date,
  ): NewEvent[] {
    return decided.map((event, index) => ({
      eventId: options.eventIds?.(index) ?? randomUUID(),
      type: event.type,
      schemaVersion: stream.schemaVersionOf(event.type),
      data: event.data,
      metadata: {
        correlationId: context.correlationId,
        causationId: context.causationId,
        ...(context.actor === undefined ? {} : { actor: context.actor }),
      },
      occurredAt,
    }));
  }

  /** A long tail makes the next load slow; fold the new events in and remember the state. */
  private async snapshotIfDue<State>(
    stream: StreamOf<State>,
    loaded: Loaded<State>,
    decided: DomainEvent[],
    version: number,
  ): Promise<void> {
    if (!stream.snapshotKind || version - loaded.snapshotVersion < this.options.snapshotEvery) return;
    const state = decided.reduce(stream.decider.evolve, loaded.state);
    await new SnapshotStore(this.scope.db).save(stream.streamId, stream.snapshotKind, { version, state });
  }
}

const writeResult = (streamId: string, version: number): WriteResult => ({
  version,
  consistencyToken: encodeConsistencyToken({ streamId, version }),
});
