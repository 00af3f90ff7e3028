import type { JsonSchema } from './json-schema';

/** Published data schemas: by event type, then by schema version. */
export type PublishedSchemas = Readonly<Record<string, Readonly<Record<string, JsonSchema>>>>;

/** One change that breaks a published schema version for its readers or its consumers. */
export interface BreakingChange {
  type: string;
  schemaVersion: number;
  /** The field's path in `data` (`amount`, `payer/name`), or '' for the data object itself. */
  field: string;
  change: string;
}

/** Keywords that only explain: changing them changes no message's validity. */
const DOCUMENTATION = new Set(['description', 'examples', 'title']);

/**
 * What changed in `current` that breaks a version published in `baseline` (the last release): a
 * version or field removed (or renamed), a type changed, an optional field made required, a new
 * required field, an enum value removed, any other constraint changed (narrowed, old events stop
 * decoding; widened, consumers get values they were promised they would not). Adding an optional
 * field, or a new type or schema version, breaks nothing; nor do descriptions and examples.
 */
export function breakingChanges(baseline: PublishedSchemas, current: PublishedSchemas): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const [type, versions] of Object.entries(baseline))
    for (const [version, schema] of Object.entries(versions)) {
      const at = (field: string, change: string) =>
        changes.push({ type, schemaVersion: Number(version), field, change });
      const now = current[type]?.[version];
      if (!now) at('', current[type] ? 'this schema version was removed' : 'this event type was removed');
      else compare(schema, now, '', at);
    }
  return changes;
}

function compare(
  was: JsonSchema,
  now: JsonSchema,
  path: string,
  at: (field: string, change: string) => void,
): void {
  const join = (name: string) => (path ? `${path}/${name}` : name);
  if (was.type !== now.type) {
    at(path, `its type changed from ${String(was.type)} to ${String(now.type)}`);
    return;
  }
  const wasRequired = new Set(was.required ?? []);
  const nowRequired = new Set(now.required ?? []);
  for (const [name, field] of Object.entries(was.properties ?? {})) {
    const next = now.properties?.[name];
    if (!next) at(join(name), 'the field was removed (or renamed)');
    else {
      if (!wasRequired.has(name) && nowRequired.has(name))
        at(join(name), 'the optional field was made required');
      if (wasRequired.has(name) && !nowRequired.has(name))
        at(join(name), 'the required field was made optional (consumers rely on it being there)');
      compare(field, next, join(name), at);
    }
  }
  for (const name of nowRequired)
    if (!was.properties?.[name])
      at(join(name), 'a required field was added (events already written lack it)');
  const removed = (was.enum ?? []).filter((value) => !(now.enum ?? []).includes(value));
  if (now.enum && removed.length > 0) at(path, `enum value(s) ${removed.map(String).join(', ')} removed`);
  if (!was.enum && now.enum) at(path, 'values were restricted to an enum');
  const constraints = new Set([...Object.keys(was), ...Object.keys(now)]);
  for (const keyword of constraints) {
    if (DOCUMENTATION.has(keyword) || ['type', 'properties', 'required', 'enum'].includes(keyword)) continue;
    const [before, after] = [was[keyword as keyof JsonSchema], now[keyword as keyof JsonSchema]];
    if (JSON.stringify(before) !== JSON.stringify(after))
      at(path, `its ${keyword} changed from ${JSON.stringify(before)} to ${JSON.stringify(after)}`);
  }
}

/** A breaking change as a test failure reads it: what, where, and what to do instead. */
export const describeBreakingChange = ({ type, schemaVersion, field, change }: BreakingChange): string =>
  `${type} v${schemaVersion}${field ? `, field \`${field}\`` : ''}: ${change}. A published schema version ` +
  `never changes but to gain optional fields: restore v${schemaVersion} as it was released and add ` +
  `v${schemaVersion + 1} to eventDataSchemas (libs/contracts) with an upcaster from v${schemaVersion} ` +
  `(account-event-upcasters.ts), then run \`npm run asyncapi\`.`;
