import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { eventDataSchemas } from './event-data-schemas';
import { eventEnvelopeSchema } from './event-envelope-schema';
import { expectationOf, type JsonSchema } from './json-schema';

// verbose: each error carries the schema that failed, whose field kind words the message.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTuples: false });
addFormats(ajv, ['date-time']);

const envelope = ajv.compile(eventEnvelopeSchema({ type: 'object' }));

/** Compiled once, at load: the table is constant (see eventDataSchemas). */
const dataValidators = new Map<string, Map<number, ValidateFunction>>(
  Object.entries(eventDataSchemas).map(([type, versions]) => [
    type,
    new Map(Object.entries(versions).map(([version, { schema }]) => [Number(version), ajv.compile(schema)])),
  ]),
);

/** The fields of the envelope that are not as the schema says (empty when it is valid). */
export function invalidEnvelopeFields(value: unknown): string[] {
  if (envelope(value)) return [];
  return [...new Set((envelope.errors ?? []).map((error) => fieldOf(error).split('/')[0]))];
}

/**
 * What is wrong with an event's data at the schema version it was written with, in words
 * (`amount must be a positive safe integer`), or why it cannot be checked at all.
 */
export function dataProblems(type: string, schemaVersion: number, data: unknown): string[] {
  const versions = dataValidators.get(type);
  if (!versions) return [`unknown event type`];
  const validate = versions.get(schemaVersion);
  if (!validate) return [`no schema version ${schemaVersion} (known: ${[...versions.keys()].join(', ')})`];
  if (validate(data)) return [];
  return [...new Set((validate.errors ?? []).map(describe))];
}

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '');
  if (error.keyword !== 'required') return path;
  const missing = (error.params as { missingProperty: string }).missingProperty;
  return path ? `${path}/${missing}` : missing;
}

function describe(error: ErrorObject): string {
  const field = fieldOf(error);
  // A missing field's words are in its own schema, beside the `required` that failed.
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const schema =
    error.keyword === 'required' && missing
      ? (error.parentSchema as JsonSchema).properties?.[missing]
      : error.parentSchema;
  const expectation = expectationOf(schema);
  return expectation ? `${field} must be ${expectation}` : `${field || 'data'} ${error.message}`;
}
