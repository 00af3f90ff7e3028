import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { breakingChanges, describeBreakingChange, eventDataSchemas, messageIdOf } from '@tally/contracts';
import { asyncApiFileOf, currentSchemas, releasedSchemas, tallyEventsAsyncApiYaml } from './asyncapi';

const root = resolve(__dirname, '../../..');
const committed = () => readFileSync(asyncApiFileOf(root), 'utf8');

describe('the AsyncAPI document of the event topic', () => {
  it('is the committed asyncapi/tally-events.yaml (run `npm run asyncapi` and commit it when an event changes)', () => {
    expect(committed()).toEqual(tallyEventsAsyncApiYaml(root));
  });

  it("is valid AsyncAPI 3 by the AsyncAPI project's own parser, with no warning", async () => {
    const { document, diagnostics } = await new Parser().parse(committed());
    const findings = diagnostics.map((d) => `${d.severity} ${d.code} ${d.path.join('.')}: ${d.message}`);
    // Severity 0 is an error, 1 a warning; 2 and 3 (information, hints) are advice about style.
    expect(findings.filter((f) => /^[01] /.test(f))).toEqual([]);
    expect(document).toBeDefined();
  });

  it('has a message for every event type at every schema version, on the event channel', async () => {
    const { document } = await new Parser().parse(committed());
    const published = document!
      .channels()
      .get('events')!
      .messages()
      .all()
      .map((message) => message.id())
      .sort();
    const known = Object.entries(eventDataSchemas)
      .flatMap(([type, versions]) => Object.keys(versions).map((v) => messageIdOf(type, Number(v))))
      .sort();
    expect(published).toEqual(known);
  });
});

describe('the event schemas, against the last release', () => {
  it('change no published schema version but to add optional fields', () => {
    const breaking = breakingChanges(releasedSchemas(root).schemas, currentSchemas());
    // One line per change, naming the event type, the field and the fix.
    if (breaking.length > 0) throw new Error(breaking.map(describeBreakingChange).join('\n'));
  });
});
