/**
 * The JSON Schema (draft-07, the dialect AsyncAPI schemas extend) of event payloads, built from a few
 * named field kinds so that a validation failure reads as before (`amount must be a positive safe
 * integer`) and the published document says the same thing in `description`.
 */
export interface JsonSchema {
  type?: 'object' | 'string' | 'integer' | 'boolean' | 'array' | 'number';
  description?: string;
  const?: unknown;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  not?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  examples?: readonly unknown[];
  [keyword: `x-${string}`]: unknown;
}

/** What a field kind requires, in words: the end of "`field` must be …". */
const expectations = new WeakMap<object, string>();

const kind = (expectation: string, schema: JsonSchema): JsonSchema => {
  expectations.set(schema, expectation);
  return schema;
};

/** The words a field kind's schema was built with (undefined for any other schema). */
export const expectationOf = (schema: unknown): string | undefined =>
  typeof schema === 'object' && schema !== null ? expectations.get(schema) : undefined;

/** JavaScript's safe integers: every amount must survive a round trip through a JSON number. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** An amount of money: a whole number of minor units (cents) of the account's currency, never a float. */
export const minorUnits = (description: string): JsonSchema =>
  kind('a positive safe integer', {
    type: 'integer',
    minimum: 1,
    maximum: MAX_SAFE,
    description: `${description} An integer number of minor units (cents) of the account's currency.`,
  });

/** A signed amount of minor units that is never zero. */
export const signedMinorUnits = (description: string): JsonSchema =>
  kind('a non-zero safe integer', {
    type: 'integer',
    minimum: -MAX_SAFE,
    maximum: MAX_SAFE,
    not: { const: 0 },
    description: `${description} A signed integer number of minor units (cents), never 0.`,
  });

export const text = (description: string, bounds: { maxLength?: number } = {}): JsonSchema =>
  kind('a non-empty string', { type: 'string', minLength: 1, ...bounds, description });

/** An ISO 4217 alphabetic code, as the domain accepts it. */
export const currencyCode = (description: string): JsonSchema =>
  kind('an ISO 4217 currency code (three capital letters)', {
    type: 'string',
    pattern: '^[A-Z]{3}$',
    description,
    examples: ['EUR'],
  });

export const flag = (description: string): JsonSchema => kind('a boolean', { type: 'boolean', description });

/**
 * An object with these fields, all required unless named in `optional`. Other fields are allowed:
 * a later schema version of the same type may add optional fields, and consumers must ignore them.
 */
export const record = (
  description: string,
  fields: Record<string, JsonSchema>,
  optional: readonly string[] = [],
): JsonSchema => ({
  type: 'object',
  description,
  properties: fields,
  required: Object.keys(fields).filter((name) => !optional.includes(name)),
  additionalProperties: true,
});
