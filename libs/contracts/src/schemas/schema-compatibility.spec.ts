import { AccountEventType } from '../account-events';
import { eventDataSchemas } from './event-data-schemas';
import type { JsonSchema } from './json-schema';
import { breakingChanges, describeBreakingChange, type PublishedSchemas } from './schema-compatibility';

const published = (): Record<string, Record<string, JsonSchema>> =>
  JSON.parse(
    JSON.stringify(
      Object.fromEntries(
        Object.entries(eventDataSchemas).map(([type, versions]) => [
          type,
          Object.fromEntries(Object.entries(versions).map(([v, { schema }]) => [v, schema])),
        ]),
      ),
    ),
  );

const Deposited = AccountEventType.MoneyDeposited;
const Opened = AccountEventType.Opened;

/** The breaking changes of one deliberate edit of today's schemas, as the check words them. */
const afterEdit = (edit: (schemas: Record<string, Record<string, JsonSchema>>) => void): string[] => {
  const edited = published();
  edit(edited);
  return breakingChanges(published(), edited as PublishedSchemas).map(describeBreakingChange);
};

describe('the event schema compatibility check', () => {
  it('passes the schemas as they are', () => {
    expect(breakingChanges(published(), published())).toEqual([]);
  });

  it.each<[string, (s: Record<string, Record<string, JsonSchema>>) => void, string]>([
    [
      'a field removed',
      (s) => delete s[Deposited][2].properties!.source,
      'tally.account.money-deposited v2, field `source`: the field was removed (or renamed)',
    ],
    [
      'a field renamed',
      (s) => {
        const { accountId, ...rest } = s[Opened][1].properties!;
        s[Opened][1].properties = { ...rest, id: accountId };
        s[Opened][1].required = ['id', 'ownerId', 'currency'];
      },
      'tally.account.opened v1, field `accountId`: the field was removed (or renamed)',
    ],
    [
      'a type narrowed (integer to string)',
      (s) => (s[Deposited][1].properties!.amount = { type: 'string', minLength: 1 }),
      'tally.account.money-deposited v1, field `amount`: its type changed from integer to string',
    ],
    [
      'a bound narrowed',
      (s) => (s[Deposited][2].properties!.source.maxLength = 16),
      'tally.account.money-deposited v2, field `source`: its maxLength changed from 32 to 16',
    ],
    [
      'a required field added',
      (s) => {
        s[Opened][1].properties!.nickname = { type: 'string' };
        s[Opened][1].required = [...s[Opened][1].required!, 'nickname'];
      },
      'tally.account.opened v1, field `nickname`: a required field was added (events already written lack it)',
    ],
    [
      'a schema version removed',
      (s) => delete s[Deposited][1],
      'tally.account.money-deposited v1: this schema version was removed',
    ],
    [
      'an event type removed',
      (s) => delete s[AccountEventType.Closed],
      'tally.account.closed v1: this event type was removed',
    ],
  ])('fails %s, naming the event type, the field and the fix', (_, edit, problem) => {
    const found = afterEdit(edit);
    expect(found).toEqual(expect.arrayContaining([expect.stringContaining(problem)]));
    for (const line of found)
      expect(line).toMatch(/add v\d+ to eventDataSchemas \(libs\/contracts\) with an upcaster from v\d+/);
  });

  it('fails an optional field made required, and an enum value removed', () => {
    const before = published();
    before[Opened][1].properties!.channel = { type: 'string', enum: ['web', 'branch'] };
    const after = published();
    after[Opened][1].properties!.channel = { type: 'string', enum: ['web'] };
    after[Opened][1].required = [...after[Opened][1].required!, 'channel'];
    expect(breakingChanges(before, after).map(describeBreakingChange)).toEqual([
      expect.stringContaining('field `channel`: the optional field was made required'),
      expect.stringContaining('field `channel`: enum value(s) branch removed'),
    ]);
  });

  it.each<[string, (s: Record<string, Record<string, JsonSchema>>) => void]>([
    ['an optional field added', (s) => (s[Deposited][2].properties!.reference = { type: 'string' })],
    ['a description reworded', (s) => (s[Deposited][2].properties!.amount.description = 'Money in.')],
    ['a new schema version', (s) => (s[Deposited][3] = s[Deposited][2])],
    ['a new event type', (s) => (s['tally.account.frozen'] = { 1: { type: 'object', properties: {} } })],
  ])('passes %s', (_, edit) => {
    expect(afterEdit(edit)).toEqual([]);
  });
});
