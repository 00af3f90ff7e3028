import type { Decider } from '@tally/accounts-domain';
import type { CommandContext } from '../pipeline/command-context';
import { VersionConflictError } from './pipeline-errors';

/** One command of a turn, as the decision needs it. */
export interface TurnCommand<Command> {
  command: Command;
  context: Pick<CommandContext, 'authorize' | 'expectedVersion'>;
  /** A process step whose event is already stored: it happened, decide nothing. */
  alreadyDone?: boolean;
}

export type TurnOutcome<Event> =
  { kind: 'decided'; events: Event[]; version: number } | { kind: 'refused'; error: unknown };

export interface DecidedTurn<Event, State> {
  outcomes: TurnOutcome<Event>[];
  /** Every decided event in order: what the turn appends, after `from.version`. */
  events: Event[];
  state: State;
  version: number;
}

/**
 * Decides a turn's commands one after another, each on the state the previous ones left, exactly as
 * if they had arrived one at a time: the caller may act (authorize), `If-Match` is checked against
 * the version this command sees, then the decider. A refused command changes nothing and the next
 * is decided as if it had never come. Pure: the events are appended (or not) by the caller.
 */
export function decideTurn<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  from: { state: State; version: number },
  commands: TurnCommand<Command>[],
): DecidedTurn<Event, State> {
  let { state, version } = from;
  const events: Event[] = [];
  const outcomes = commands.map(({ command, context, alreadyDone }): TurnOutcome<Event> => {
    try {
      // Authorisation first: nothing else (not even a version) is revealed to a caller who may not act.
      context.authorize?.(state);
      if (context.expectedVersion !== undefined && context.expectedVersion !== version)
        throw new VersionConflictError(context.expectedVersion, version);
      if (alreadyDone) return { kind: 'decided', events: [], version };
      const decided = decider.decide(command, state);
      state = decided.reduce(decider.evolve, state);
      version += decided.length;
      events.push(...decided);
      return { kind: 'decided', events: decided, version };
    } catch (error) {
      return { kind: 'refused', error };
    }
  });
  return { outcomes, events, state, version };
}
