import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { encodeConsistencyToken, type DomainEvent } from '@tally/contracts';
import type { Decider } from '@tally/accounts-domain';
import { PostgresEventStore, WrongExpectedVersionError, type NewEvent } from '@tally/event-store';
import type { CommandContext, WriteResult } from './command-context';

export interface StreamOf<State> {
  streamId: string;
  streamType: string;
  decider: Decider<unknown, DomainEvent, State>;
  schemaVersionOf(eventType: string): number;
}

/** Decisions are re-made on fresh state this many times when another writer wins the race. */
const MAX_ATTEMPTS = 5;

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
 * The one command pipeline: load the stream, fold it, decide, append with the version read as the
 * expected version. With If-Match the client's version must be current; without it, losing a race
 * to a concurrent writer re-runs the decision on the new state, so nothing is lost or applied twice.
 */
@Injectable()
export class CommandPipeline {
  constructor(private readonly store: PostgresEventStore) {}

  async run<Command, State>(
    stream: StreamOf<State>,
    command: Command,
    context: CommandContext,
    now: () => Date = () => new Date(),
  ): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(stream.streamId);
      const version = history.length === 0 ? 0 : history[history.length - 1].streamVersion;
      if (context.expectedVersion !== undefined && context.expectedVersion !== version) {
        throw new VersionConflictError(context.expectedVersion, version);
      }
      const state = history.reduce(
        (current, event) => stream.decider.evolve(current, event as DomainEvent),
        stream.decider.initialState,
      );
      const occurredAt = now();
      const events: NewEvent[] = stream.decider.decide(command, state).map((event) => ({
        eventId: randomUUID(),
        type: event.type,
        schemaVersion: stream.schemaVersionOf(event.type),
        data: event.data,
        metadata: {
          correlationId: context.correlationId,
          causationId: context.causationId,
          actor: context.actor,
        },
        occurredAt,
      }));
      try {
        const newVersion = await this.store.append(stream.streamId, stream.streamType, version, events);
        return {
          version: newVersion,
          consistencyToken: encodeConsistencyToken({ streamId: stream.streamId, version: newVersion }),
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (context.expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
          throw new VersionConflictError(context.expectedVersion ?? version, error.actualVersion);
        }
      }
    }
  }
}
