import { accessors, from } from 'env-var';

/** Accessors every service setting may use beyond env-var's own (whose asIntPositive allows 0). */
const extraAccessors = {
  /** A whole number of at least `min` (default 1): counts, sizes and intervals that must not be 0. */
  asIntAtLeast: (value: string, min = 1): number => {
    const parsed = accessors.asInt(value);
    if (parsed < min) throw new Error(`should be a whole number >= ${min}`);
    return parsed;
  },
};

/**
 * Reads service settings from the environment an app's `config.ts` hands over, with env-var: a setting
 * that is present but malformed stops the process at start-up with a message naming the variable,
 * rather than being silently replaced by its default. Libraries never read environment variables themselves.
 */
export const settingsFrom = (env: NodeJS.ProcessEnv) => from(env, extraAccessors);

export type Settings = ReturnType<typeof settingsFrom>;
