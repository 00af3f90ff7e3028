import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { encodeConsistencyToken, type DomainEvent } from '@tally/contracts';
import type { Decider } from '@tally/accounts-domain';
import { CommitOutcomeUnknownError } from '@tally/database';
import {
  DuplicateEventError,
  EVENT_STORE,
  LockWaitTimeoutError,
  TransactionScope,
  WrongExpectedVersionError,
  type EventStore,
  type NewEvent,
  type Queryable,
} from '@tally/event-store';
import type { CommandContext, WriteResult } from '../pipeline/command-context';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';
import { backOff } from './back-off';
import {
  traceAnswers,
  eventTraceFields,
  startAppendSpan,
  traceCommand,
  type CommandTrace,
} from './command-tracing';
import { guardDeadline } from './deadline-guard';
import { decideTurn, type DecidedTurn } from './decide-turn';
import { NotWrittenError, OutcomeUnknownError, StreamContendedError } from './pipeline-errors';
import { outcomeOf, type Outcome } from './unknown-outcome';
import { StreamQueues, type Waiting } from './stream-queues';
import { StreamStateCache, type CachedState } from './stream-state-cache';

export {
  CommandQueueFullError,
  NotWrittenError,
  OutcomeUnknownError,
  StreamContendedError,
  VersionConflictError,
} from './pipeline-errors';

export interface StreamOf<Command, Event extends DomainEvent, State> {
  streamId: string;
  streamType: string;
  decider: Decider<Command, Event, State>;
  schemaVersionOf(eventType: Event['type']): number;
  /** Names the shape of State for snapshots; change it when State changes shape. None: no snapshots. */
  snapshotKind?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the queues hold streams of every kind
type AnyStream = StreamOf<any, DomainEvent, any>;

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

/** A command waiting for its stream's turn. */
interface CommandWaiting extends Waiting {
  kind: 'command';
  stream: AnyStream;
  command: unknown;
  context: CommandContext;
  options: RunOptions;
  now: () => Date;
  /** Past this (epoch ms) a command still not written is answered 503, never left hanging. */
  deadline: number;
  /** The caller's transaction to write in (such a command is written alone), else the pool. */
  transaction?: Queryable;
  /** The command's span, when its caller is traced. */
  trace?: CommandTrace;
  /** Its events were handed to the store: from then on, if no answer comes, its outcome is unknown. */
  sent?: boolean;
  answered?: boolean;
  resolve(result: WriteResult): void;
}

/** Work that holds a stream for its whole duration (an idempotent request's transaction). */
interface TurnWaiting extends Waiting {
  kind: 'turn';
  deadline: number;
  work: () => Promise<unknown>;
  /** The caller's async context, in which the work runs (its logging, its transaction). */
  caller: AsyncResource;
  /** Its work has begun (and may write): from then on, if no answer comes, its outcome is unknown. */
  started?: boolean;
  answered?: boolean;
  resolve(result: unknown): void;
}

/** A turn being held: the state it started from and what its work wrote so far. */
interface HeldTurn {
  streamId: string;
  state?: CachedState;
  written?: CachedState;
  /** The stream its commands wrote to (what a snapshot of `written` is of). */
  stream?: AnyStream;
}

type Base = CachedState & { fresh: boolean };

const PAGE = 10_000;
/** After a lost race through the pool, the stream's turns take its lock for this long. */
const CONTENDED_MS = 1_000;

/** A turn stored (or about to be, with its transaction): its state, its answers, and its events. */
interface Deferred {
  state: CachedState;
  answer: () => void;
  events: NewEvent[];
}

/** A turn that lost a race and must go on under the stream's lock, with the commands still open. */
class LostRace {
  constructor(readonly open: CommandWaiting[]) {}
}

/**
 * The one command pipeline. Every command for a stream waits in that stream's queue (StreamQueues),
 * and one turn at a time decides everything waiting, one command after another on the latest state,
 * then appends all their events as ONE append with one expected-version check. Each command still
 * gets its own answer: its own version and consistency token, or its own refusal, which changes
 * nothing for the others. Within a process, commands on one stream therefore never race; on a hot
 * stream they get cheaper, since one round trip and one commit serve a whole turn.
 *
 * The state a turn starts from is this process's cached state of the stream (StreamStateCache) or a
 * load (snapshot + tail). Another instance may have written since: the expected-version guard then
 * refuses the append, the turn catches up on the events it missed and decides again, with a jittered
 * back-off after repeated losses, until each command's deadline (then 503, never a 409 for a request
 * that did not ask for a conditional write). A refusal or a stale If-Match seen on a cached state is
 * only final once the stored state confirms it, so the cache never changes an answer.
 *
 * Inside a caller's transaction a command is a turn of its own, written on that transaction. An
 * idempotent request takes its stream's turn before it opens its transaction (`inTurn`): its key, its
 * events and its stored response commit together, in queue order, and it holds no connection while it
 * waits.
 */
@Injectable()
export class CommandPipeline {
  private readonly queues: StreamQueues<CommandWaiting | TurnWaiting>;
  private readonly held = new AsyncLocalStorage<HeldTurn>();
  /** Streams recently written by another instance too, until when (epoch ms). */
  private readonly contended = new Map<string, number>();

  constructor(
    private readonly scope: TransactionScope,
    @Inject(COMMANDS_OPTIONS)
    private readonly options: Pick<CommandsOptions, 'snapshotEvery' | 'streams'>,
    private readonly states: StreamStateCache,
    /** Outside transactions its appends share commits with every other stream's (group commit). */
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    this.queues = new StreamQueues(options.streams, (streamId, items) => this.writeTurn(streamId, items));
  }

  /** The stream's current state, read from the store (snapshot + tail). */
  async load<State>(stream: StreamOf<unknown, DomainEvent, State>): Promise<Loaded<State>> {
    const loaded = await this.loadFrom(this.store.within(this.scope.db), stream);
    // A stream that does not exist is not worth a slot (probes of random ids would evict real ones).
    if (loaded.version > 0 && !this.scope.inTransaction) this.states.remember(stream.streamId, loaded);
    return loaded;
  }

  /** Decides `command` in its stream's next turn and writes its events; resolves with its own outcome. */
  run<Command, Event extends DomainEvent, State>(
    stream: StreamOf<Command, Event, State>,
    command: Command,
    context: CommandContext,
    options: RunOptions = {},
    now: () => Date = () => new Date(),
  ): Promise<WriteResult> {
    const transaction = this.scope.inTransaction ? this.scope.db : undefined;
    const traced = traceCommand(stream, command, context.correlationId);
    return new Promise<WriteResult>((resolve, reject) => {
      const waiting: CommandWaiting = {
        kind: 'command',
        alone: transaction !== undefined,
        stream: stream as AnyStream,
        command,
        context,
        options,
        now,
        deadline: Date.now() + this.options.streams.deadlineMs,
        transaction,
        trace: traced,
        resolve,
        reject,
      };
      if (traced) traceAnswers(waiting, traced);
      guardDeadline(waiting, waiting.deadline, () =>
        waiting.sent ? new OutcomeUnknownError(stream.streamId) : new StreamContendedError(stream.streamId),
      );
      const held = this.held.getStore();
      if (held?.streamId === stream.streamId) void this.writeInHeldTurn(held, waiting);
      else this.queues.push(stream.streamId, waiting); // a full queue throws: the promise rejects
    });
  }

  /**
   * Runs `work` while holding the stream: it starts once every command queued before it is written,
   * and nothing else is written to the stream until it settles. Commands it runs on this stream are
   * written at once, on its transaction.
   */
  inTurn<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const turn: TurnWaiting = {
        kind: 'turn',
        alone: true,
        deadline: Date.now() + this.options.streams.deadlineMs,
        work,
        caller: new AsyncResource('CommandPipeline.inTurn'),
        resolve: resolve as (result: unknown) => void,
        reject,
      };
      guardDeadline(turn, turn.deadline, () =>
        turn.started ? new OutcomeUnknownError(streamId) : new StreamContendedError(streamId),
      );
      this.queues.push(streamId, turn);
    });
  }

  private async writeTurn(streamId: string, items: (CommandWaiting | TurnWaiting)[]): Promise<void> {
    const [first] = items;
    if (first.kind === 'turn') return this.holdTurn(streamId, first);
    const commands = this.withinDeadline(streamId, items as CommandWaiting[]);
    if (commands.length === 0) return;
    const { transaction } = first;
    try {
      let written: CachedState | undefined;
      if (transaction) {
        // A transaction's write may still roll back: forget the stream rather than cache a state
        // that might never exist.
        await this.writeCommands(
          first.stream,
          commands,
          this.cachedBase(streamId),
          this.store.within(transaction),
          true,
        );
      } else if (this.isContended(streamId)) {
        written = await this.writeLocked(first.stream, commands);
      } else {
        const outcome = await this.writeCommands(first.stream, commands, this.cachedBase(streamId));
        written = !(outcome instanceof LostRace)
          ? outcome
          : outcome.open.length > 0
            ? await this.writeLocked(first.stream, outcome.open)
            : undefined;
      }
      if (written) this.states.remember(streamId, await this.withSnapshot(first.stream, written));
      else this.states.forget(streamId);
    } catch (error) {
      this.states.forget(streamId); // e.g. a lost connection: whether the append committed is unknown
      throw error;
    }
  }

  /**
   * Saves the snapshot a committed turn made due, through the pool on a statement of its own: never
   * inside a turn's transaction, where a failed save would abort the transaction (its COMMIT then
   * answers ROLLBACK) after its commands were decided. The snapshot is only a cache: a failed save
   * costs the next load a longer tail, nothing else. (Checked before the call: most turns owe none.)
   */
  private async withSnapshot(stream: AnyStream, written: CachedState): Promise<CachedState> {
    if (!this.snapshotDue(stream, written.snapshotVersion, written.version)) return written;
    try {
      await this.store.saveSnapshot(stream.streamId, stream.snapshotKind, {
        version: written.version,
        state: written.state,
      });
      return { ...written, snapshotVersion: written.version };
    } catch {
      return written;
    }
  }

  /**
   * A stream that other instances write too: its turns hold a per-stream advisory lock in a
   * transaction of their own (lock, read what others wrote, decide, append, commit), so that the
   * instances take turns instead of re-deciding after every lost race. Commands are answered only
   * once that transaction has committed.
   */
  private async writeLocked(stream: AnyStream, commands: CommandWaiting[]): Promise<CachedState | undefined> {
    let decided: Deferred | undefined;
    // The lock is waited for no longer than the commands may wait (then 503: nothing was written).
    const lockWaitMs = Math.min(...commands.map((command) => command.deadline)) - Date.now();
    try {
      await this.store.exclusively(
        stream.streamId,
        async (store) => {
          const cached = this.states.get(stream.streamId);
          const base = cached
            ? await this.catchUp(store, stream, cached)
            : { ...(await this.loadFrom(store, stream)), fresh: true };
          const outcome = await this.writeCommands(stream, commands, base, store, true, {
            deferAnswers: true,
          });
          if (!(outcome instanceof LostRace)) decided = outcome; // LostRace: every command's deadline passed
        },
        { lockWaitMs },
      );
    } catch (error) {
      if (error instanceof LockWaitTimeoutError) throw new StreamContendedError(stream.streamId);
      // The COMMIT was sent and its answer lost: find out, and answer what actually happened.
      if (!(error instanceof CommitOutcomeUnknownError) || !decided?.events.length) throw error;
      const outcome = await this.settleUnknown(stream.streamId, commands, decided.events, error);
      if (outcome !== 'stored') return undefined;
    }
    decided?.answer();
    return decided?.state;
  }

  private cachedBase(streamId: string): Base | undefined {
    const cached = this.states.get(streamId);
    return cached && { ...cached, fresh: false };
  }

  private isContended(streamId: string): boolean {
    if (!this.options.streams.lockWhenContended) return false;
    const until = this.contended.get(streamId);
    if (until === undefined || until > Date.now()) return until !== undefined;
    this.contended.delete(streamId);
    return false;
  }

  private async holdTurn(streamId: string, turn: TurnWaiting): Promise<void> {
    if (turn.answered) return;
    if (Date.now() > turn.deadline) return turn.reject(new StreamContendedError(streamId));
    turn.started = true;
    const held: HeldTurn = { streamId, state: this.states.get(streamId) };
    try {
      const result = await turn.caller.runInAsyncScope(() => this.held.run(held, turn.work));
      // The work (and its transaction) has committed: what it wrote is the stream's state now.
      if (held.written && held.stream)
        this.states.remember(streamId, await this.withSnapshot(held.stream, held.written));
      turn.resolve(result);
    } catch (error) {
      this.states.forget(streamId);
      turn.reject(error);
    }
  }

  private async writeInHeldTurn(held: HeldTurn, command: CommandWaiting): Promise<void> {
    try {
      const start = held.written ?? held.state;
      const outcome = await this.writeCommands(
        command.stream,
        [command],
        start && { ...start, fresh: false },
        this.store.within(command.transaction ?? this.scope.pool),
        true,
      );
      if (!(outcome instanceof LostRace)) held.written = outcome ?? held.written;
      held.stream = command.stream;
    } catch (error) {
      held.state = held.written = undefined;
      command.reject(error);
    }
  }

  /**
   * Decides the commands in order on the stream's state and appends their events in one append;
   * on a lost race, catches up and decides again (jittered back-off from the second loss on). Through
   * the pool with `lockWhenContended`, the first lost race instead marks the stream contended and
   * returns LostRace: the turn goes on under the stream's lock. Answers every command (or leaves that
   * to `answer` when deferred, until the caller's transaction has committed). Throws, leaving the
   * commands unanswered, only on a failure of the store.
   */
  private async writeCommands(
    stream: AnyStream,
    commands: CommandWaiting[],
    start: Base | undefined,
    store?: EventStore,
    inTransaction?: boolean,
  ): Promise<CachedState | undefined | LostRace>;
  private async writeCommands(
    stream: AnyStream,
    commands: CommandWaiting[],
    start: Base | undefined,
    store: EventStore,
    inTransaction: true,
    defer: { deferAnswers: true },
  ): Promise<Deferred | undefined | LostRace>;
  private async writeCommands(
    stream: AnyStream,
    commands: CommandWaiting[],
    start: Base | undefined,
    store: EventStore = this.store,
    inTransaction = false,
    defer?: { deferAnswers: true },
  ): Promise<CachedState | undefined | LostRace | Deferred> {
    let base: Base = start ?? { ...(await this.loadFrom(store, stream)), fresh: true };
    let open = commands;
    for (let lost = 0; ;) {
      // Only process steps (eventIds) can be done already; a client's command skips the look-up.
      const done = open.some(({ options }) => options.eventIds)
        ? await Promise.all(
            open.map(({ options }) => (options.eventIds ? store.hasEvent(options.eventIds(0)) : false)),
          )
        : undefined;
      const turn = decideTurn(
        stream.decider,
        base,
        open.map(({ command, context }, index) => ({ command, context, alreadyDone: done?.[index] })),
      );
      if (turn.events.length === 0 && !base.fresh) {
        // Only refusals, decided on a cached state that may be behind: only the stored one can refuse.
        base = await this.catchUp(store, stream, base);
        continue;
      }
      if (open.some((command) => command.answered)) {
        // Answered meanwhile (its deadline passed while the turn read the store): never write it now.
        open = open.filter((command) => !command.answered);
        if (open.length === 0) return new LostRace(open);
        continue;
      }
      const events = turn.events.length > 0 ? this.envelope(stream, open, turn) : [];
      if (events.length > 0) {
        for (const command of open) command.sent = true;
        try {
          const span = startAppendSpan(stream.streamId, base.version, open);
          try {
            await store.append(stream.streamId, stream.streamType, base.version, events);
          } finally {
            span?.end();
          }
        } catch (error) {
          if (error instanceof CommitOutcomeUnknownError) {
            // Sent, but the answer was lost: find out, and answer what actually happened.
            const outcome = await this.settleUnknown(stream.streamId, open, events, error);
            if (outcome === 'stored') return this.decided(stream, open, turn, base, events, defer);
            return undefined; // every command was answered: not written, or unknown
          }
          // Another writer moved the stream (or a racing leader stored a step's event): catch up and
          // decide again; the steps already stored are then seen as done.
          if (!(error instanceof WrongExpectedVersionError || error instanceof DuplicateEventError))
            throw error;
          open = this.withinDeadline(stream.streamId, open);
          if (open.length === 0) return new LostRace(open);
          if (
            error instanceof WrongExpectedVersionError &&
            !inTransaction &&
            this.options.streams.lockWhenContended
          ) {
            this.contended.set(stream.streamId, Date.now() + CONTENDED_MS);
            return new LostRace(open);
          }
          base = await this.catchUp(store, stream, base);
          if (++lost > 1) await backOff(lost, Math.min(...open.map((c) => c.deadline)));
          continue;
        }
      }
      return this.decided(stream, open, turn, base, events, defer);
    }
  }

  /** A turn that is stored: the stream's new state, and each command's answer (now, or `answer` later). */
  private decided(
    stream: AnyStream,
    open: CommandWaiting[],
    turn: DecidedTurn<DomainEvent, unknown>,
    base: Base,
    events: NewEvent[],
    defer?: { deferAnswers: true },
  ): CachedState | Deferred {
    const answer = () =>
      open.forEach((command, index) => {
        const outcome = turn.outcomes[index];
        if (outcome.kind === 'refused') command.reject(outcome.error);
        else command.resolve(writeResult(stream.streamId, outcome.version));
      });
    // A snapshot due is saved by the caller once the turn has committed (withSnapshot).
    const state = { version: turn.version, state: turn.state, snapshotVersion: base.snapshotVersion };
    if (defer) return { state, answer, events };
    answer();
    return state;
  }

  /**
   * After an append whose answer was lost: whether its events are stored, asked until the commands'
   * deadline. Not stored: each command is told it was not written (503, safe to retry); still unknown:
   * each is told so (503 outcome-unknown). Stored: the caller answers them as written.
   */
  private async settleUnknown(
    streamId: string,
    commands: CommandWaiting[],
    events: NewEvent[],
    lost: CommitOutcomeUnknownError,
  ): Promise<Outcome> {
    const deadline = Math.min(...commands.map((command) => command.deadline));
    const outcome = await outcomeOf(this.store, [events[0].eventId], lost, deadline);
    if (outcome === 'not-stored')
      for (const command of commands) command.reject(new NotWrittenError(streamId));
    if (outcome === 'unknown')
      for (const command of commands) command.reject(new OutcomeUnknownError(streamId));
    return outcome;
  }

  /** Answers 503 to the commands whose deadline has passed; returns the others (never one answered). */
  private withinDeadline(streamId: string, commands: CommandWaiting[]): CommandWaiting[] {
    const now = Date.now();
    let late = false;
    for (const command of commands) late ||= now > command.deadline || command.answered === true;
    if (!late) return commands; // the usual case: no copy
    return commands.filter((command) => {
      if (now <= command.deadline && !command.answered) return true;
      command.reject(new StreamContendedError(streamId));
      return false;
    });
  }

  private async loadFrom<State>(
    store: EventStore,
    stream: StreamOf<unknown, DomainEvent, State>,
  ): Promise<Loaded<State>> {
    const { snapshot, events } = stream.snapshotKind
      ? await store.readStreamFromSnapshot<State>(stream.streamId, stream.snapshotKind, PAGE)
      : { snapshot: undefined, events: await store.readStream(stream.streamId, 1, PAGE) };
    const from = {
      state: snapshot?.state ?? stream.decider.initialState,
      version: snapshot?.version ?? 0,
      snapshotVersion: snapshot?.version ?? 0,
    };
    const caughtUp = await this.fold(store, stream, from, events);
    return { ...caughtUp, eventsRead: caughtUp.version - from.version };
  }

  /** The state `base` plus every event stored after it. */
  private async catchUp(store: EventStore, stream: AnyStream, base: CachedState): Promise<Base> {
    const first = await store.readStream(stream.streamId, base.version + 1, PAGE);
    return { ...(await this.fold(store, stream, base, first)), fresh: true };
  }

  private async fold<State>(
    store: EventStore,
    stream: StreamOf<unknown, DomainEvent, State>,
    from: CachedState<State>,
    first: DomainEvent[] & { length: number },
  ): Promise<CachedState<State>> {
    let { state, version } = from;
    for (let page = first; ; page = await store.readStream(stream.streamId, version + 1, PAGE)) {
      for (const event of page) state = stream.decider.evolve(state, event);
      version += page.length;
      if (page.length < PAGE) return { state, version, snapshotVersion: from.snapshotVersion };
    }
  }

  private envelope(
    stream: AnyStream,
    commands: CommandWaiting[],
    turn: DecidedTurn<DomainEvent, unknown>,
  ): NewEvent[] {
    return commands.flatMap(({ context, options, now, trace }, index) => {
      const outcome = turn.outcomes[index];
      if (outcome.kind !== 'decided') return [];
      const occurredAt = now();
      return outcome.events.map((event, n) => ({
        eventId: options.eventIds?.(n) ?? randomUUID(),
        type: event.type,
        schemaVersion: stream.schemaVersionOf(event.type),
        data: event.data,
        metadata: {
          correlationId: context.correlationId,
          causationId: context.causationId,
          ...(context.actor === undefined ? {} : { actor: context.actor }),
          ...eventTraceFields(trace),
        },
        occurredAt,
      }));
    });
  }

  /** A long tail makes the next load slow: a snapshot is due once the stream is SNAPSHOT_EVERY past its last. */
  private snapshotDue(
    stream: AnyStream,
    snapshotVersion: number,
    version: number,
  ): stream is AnyStream & { snapshotKind: string } {
    return stream.snapshotKind !== undefined && version - snapshotVersion >= this.options.snapshotEvery;
  }
}

const writeResult = (streamId: string, version: number): WriteResult => ({
  version,
  consistencyToken: encodeConsistencyToken({ streamId, version }),
});
