/**
 * A decider is the whole behaviour of an aggregate as three pure functions. The command pipeline
 * folds the stream with `evolve` from `initialState`, asks `decide` for new events, and appends them
 * with the version it read as the expected version. No I/O, no clock, no framework: ids and time
 * arrive inside the command.
 */
export interface Decider<Command, Event, State> {
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/**
 * A command refused by a business rule. `code` is stable and public (it becomes the `code` of the
 * 422 problem response); `detail` is for people.
 */
export class BusinessRuleViolation<Code extends string = string> extends Error {
  override readonly name = 'BusinessRuleViolation';
  constructor(
    readonly code: Code,
    readonly detail: string,
  ) {
    super(detail);
  }
}
