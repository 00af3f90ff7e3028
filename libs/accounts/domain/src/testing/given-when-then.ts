import type { Decider } from '../decider';

/**
 * Given/When/Then for deciders: given past events, when a command is decided, then these events
 * (or this refusal). Pure, so a whole specification runs in milliseconds.
 */
export function given<C, E, S>(decider: Decider<C, E, S>, history: E[]) {
  const state = history.reduce(decider.evolve, decider.initialState);
  return {
    when: (command: C) => ({
      then: (expected: E[]) => expect(decider.decide(command, state)).toEqual(expected),
      thenRefused: (code: string) =>
        expect(() => decider.decide(command, state)).toThrow(expect.objectContaining({ code })),
    }),
    state,
  };
}
