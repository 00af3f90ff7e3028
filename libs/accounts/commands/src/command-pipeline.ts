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
import { StreamStateCache, type CachedState } from './stream-state-cache';

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
 * The one command pipeline: load the stream (snapshot + tail, one round trip), fold it, decide,
 * append with the version read as the expected version. With If-Match the client's version must be
 * current; without it, losing a race to a concurrent writer re-runs the decision on the new state,
 * so nothing is lost or applied twice. Everything runs on the current transaction when there is one
 * (an idempotent request), so the events commit together with the stored response.
 *
 * Outside a transaction the first decision is made on the stream's cached state, when this process
 * has one (see StreamStateCache), saving the load. Only a successful append settles it: a conflict,
 * a refusal or a stale If-Match seen on a cached state is decided again on the stored state, so a
 * stale entry costs one more round, never a different answer.
 */
@Injectable()
export class CommandPipeline {
  constructor(
    private readonly scope: TransactionScope,
    @Inject(COMMANDS_OPTIONS) private readonly options: Pick<CommandsOptions, 'snapshotEvery'>,
    private readonly states: StreamStateCache,
  ) {}

  async load<State>(stream: StreamOf<State>): Promise<Loaded<State>> {
    const store = new PostgresEventStore(this.scope.db);
    const { snapshot, events: first } = stream.snapshotKind
      ? await store.readStreamFromSnapshot<State>(stream.streamId, stream.snapshotKind, PAGE)
      : { snapshot: undefined, events: await store.readStream(stream.streamId, 1, PAGE) };
    let state = snapshot?.state ?? stream.decider.initialState;
    let version = snapshot?.version ?? 0;
    let eventsRead = 0;
    for (let page = first; ; page = await store.readStream(stream.streamId, version + 1, PAGE)) {
      for (const event of page) state = stream.decider.evolve(state, event as DomainEvent);
      eventsRead += page.length;
      if (page.length > 0) version = page[page.length - 1].streamVersion;
      if (page.length < PAGE) break;
    }
    const snapshotVersion = snapshot?.version ?? 0;
    // A stream that does not exist is not worth a slot (probes of random ids would evict real ones).
    if (version > 0 && !this.scope.inTransaction)
      this.states.remember(stream.streamId, { version, state, snapshotVersion });
    return { state, version, eventsRead, snapshotVersion };
  }

  async run<Command, State>(
    stream: StreamOf<State>,
    command: Command,
    context: CommandContext,
    options: RunOptions = {},
    now: () => Date = () => new Date(),
  ): Promise<WriteResult> {
    // Attempt 0 decides on the cached state, if there is one; attempts 1.. on the stored state.
    // Process steps (eventIds) always read the store: "already done" must be judged on it.
    const cacheable = !options.eventIds && !this.scope.inTransaction;
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 && cacheable ? this.states.get<State>(stream.streamId) : undefined;
      if (attempt === 0 && !cached) continue;
      const loaded = cached ? { ...cached, eventsRead: 0 } : await this.load(stream);
      const store = new PostgresEventStore(this.scope.db);
      let decided: DomainEvent[];
      try {
        context.authorize?.(loaded.state);
        if (context.expectedVersion !== undefined && context.expectedVersion !== loaded.version) {
          throw new VersionConflictError(context.expectedVersion, loaded.version);
        }
        if (options.eventIds && (await store.hasEvent(options.eventIds(0)))) {
          return writeResult(stream.streamId, loaded.version); // this step already happened
        }
        decided = stream.decider.decide(command, loaded.state);
      } catch (error) {
        if (cached) continue; // the cached state may be behind: only the stored one can refuse
        throw error;
      }
      const events = this.envelope(stream, decided, context, options, now());
      try {
        const version = await store.append(stream.streamId, stream.streamType, loaded.version, events);
        const state = decided.reduce(stream.decider.evolve, loaded.state);
        const snapshotVersion = await this.snapshotIfDue(stream, loaded.snapshotVersion, version, state);
        this.written(stream.streamId, { version, state, snapshotVersion });
        return writeResult(stream.streamId, version);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.states.forget(stream.streamId);
        // With If-Match the guard itself proves the client's version stale, cached state or not.
        if (context.expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
          throw new VersionConflictError(context.expectedVersion ?? loaded.version, error.actualVersion);
        }
      }
    }
  }

  /**
   * A transaction's write is not committed yet (and may roll back): forget the stream rather than
   * cache a state that might never exist. Through the pool the append has committed.
   */
  private written(streamId: string, entry: CachedState): void {
    if (this.scope.inTransaction) this.states.forget(streamId);
    else this.states.remember(streamId, entry);
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

  /**
   * A long tail makes the next load slow: remember the new state once the stream is SNAPSHOT_EVERY
   * past its snapshot. Returns the version of the stream's snapshot from now on.
   */
  private async snapshotIfDue<State>(
    stream: StreamOf<State>,
    snapshotVersion: number,
    version: number,
    state: State,
  ): Promise<number> {
    if (!stream.snapshotKind || version - snapshotVersion < this.options.snapshotEvery)
      return snapshotVersion;
    await new SnapshotStore(this.scope.db).save(stream.streamId, stream.snapshotKind, { version, state });
    return version;
  }
}

const writeResult = (streamId: string, version: number): WriteResult => ({
  version,
  consistencyToken: encodeConsistencyToken({ streamId, version }),
});
