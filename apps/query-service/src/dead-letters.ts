import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { UnknownDeadLetterError, createKafka, parseDeadLetterId } from '@tally/messaging';
import {
  DeadLetterDesk,
  NotAStoredEventError,
  selectionProblems,
  type DeadLetterFilter,
  type DeadLetterPaging,
  type DeadLetterView,
} from '@tally/projections';
import { OperatorAudit } from '@tally/database';
import { Pool } from 'pg';
import { stderrLogger } from './cli-support';
import { loadConfig } from './config';

const usage = `Usage: npm run dead-letters -- list [filters] [--limit 50] [--after <id>] [--json]
       npm run dead-letters -- show <id> [--json]
       npm run dead-letters -- redrive <id> [--note text]
       npm run dead-letters -- redrive --all [filters] [--note text]
       npm run dead-letters -- handled <id> [--note text]

The messages in <KAFKA_TOPIC>.dead-letter; <id> is <partition>:<offset> there. Pages follow the ids:
--after takes the last id of the previous page (list prints the next one).
redrive  publishes the stored event a letter is a copy of (the events row with its event id, or its stream
         and version, in EVENT_STORE_DATABASE_URL) to KAFKA_TOPIC, keyed by its stream; never the letter's
         own value, and never a letter that is no stored event (mark that one handled). Money is corrected
         with an adjustment (POST /accounts/<id>/adjustments). --all: every unhandled letter matching the
         filters that is a stored event. Re-driving twice is harmless. A re-driven letter counts as handled.
handled  records that a letter needs nothing more (kept in the read database, with --by and --note).
Filters: --partition <n> (of the event topic it came from), --error <text>, --key <text> (stream id),
         --from <ISO time> --to <ISO time> (when it failed), --unhandled or --handled.
--by     who acts (default: the operating-system user).
Exit code 0 done, 1 failed (broker, database), 2 bad usage, 3 no such dead letter, 4 not a stored event.`;

class UsageError extends Error {}

const options = {
  json: { type: 'boolean' },
  note: { type: 'string' },
  by: { type: 'string' },
  all: { type: 'boolean' },
  partition: { type: 'string' },
  error: { type: 'string' },
  key: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  unhandled: { type: 'boolean' },
  handled: { type: 'boolean' },
  limit: { type: 'string' },
  after: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function filterOf(values: Values): DeadLetterFilter {
  if (values.unhandled && values.handled)
    throw new UsageError('--unhandled and --handled exclude each other');
  const partition = values.partition;
  if (partition !== undefined && !/^\d+$/.test(partition))
    throw new UsageError('--partition must be a whole number, 0 or more');
  return {
    originalPartition: partition === undefined ? undefined : Number(partition),
    error: values.error,
    key: values.key,
    failedFrom: values.from === undefined ? undefined : new Date(values.from),
    failedTo: values.to === undefined ? undefined : new Date(values.to),
    state: values.unhandled ? 'unhandled' : values.handled ? 'handled' : 'all',
  };
}

function pagingOf(values: Values): DeadLetterPaging {
  const limit = values.limit ?? '50';
  if (!/^\d+$/.test(limit)) throw new UsageError('--limit must be a whole number');
  return { limit: Number(limit), after: values.after };
}

const idOf = (id: string | undefined): string => {
  if (!id || !parseDeadLetterId(id)) throw new UsageError(`a dead-letter id <partition>:<offset> is needed`);
  return id;
};

const markText = (letter: DeadLetterView) =>
  letter.mark ? `${letter.mark.state} by ${letter.mark.by} at ${letter.mark.at}` : 'unhandled';

const line = (l: DeadLetterView) =>
  `${l.id}\tfrom ${l.originalTopic}/${l.originalPartition}@${l.originalOffset}\t${l.failedAt}\t` +
  `key=${l.key ?? '-'}\t${markText(l)}\t${l.error}`;

function details(l: DeadLetterView): string {
  const headers = Object.entries(l.headers).map(([name, value]) => `  ${name}: ${value}`);
  return [
    `id:       ${l.id}`,
    `from:     ${l.originalTopic}/${l.originalPartition}@${l.originalOffset}`,
    `failed:   ${l.failedAt}`,
    `error:    ${l.error}`,
    `key:      ${l.key ?? '-'}`,
    `state:    ${markText(l)}${l.mark?.note ? ` (${l.mark.note})` : ''}`,
    'headers:',
    ...headers,
    'payload:',
    l.value ?? '(none)',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options });
  const [command, id, ...extra] = positionals;
  if (values.help || !command) return console.log(usage);
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
  const config = loadConfig();
  const db = new Pool({ connectionString: config.databaseUrl, max: 2 });
  const store = new Pool({ connectionString: config.eventStoreDatabaseUrl, max: 2 });
  const desk = new DeadLetterDesk({
    kafka: createKafka(config.kafka, stderrLogger),
    topic: config.kafka.topic,
    db,
    store,
    // Written by the operators' command line as `tally_event_reader` may: INSERT on operator_actions.
    audit: new OperatorAudit(store),
  });
  const actor = { by: values.by ?? userInfo().username, note: values.note ?? null };
  const print = (value: unknown, text: string) =>
    console.log(values.json ? JSON.stringify(value, null, 2) : text);
  try {
    if (command === 'list') {
      const [filter, paging] = [filterOf(values), pagingOf(values)];
      const problems = selectionProblems(filter, paging);
      if (problems.length > 0) throw new UsageError(problems.join('; '));
      const page = await desk.list(filter, paging);
      return print(
        page,
        [
          ...page.items.map(line),
          `${page.items.length} of ${page.matched} matching (${page.total} in ${desk.deadLetterTopic})` +
            (page.next ? `; next page: --after ${page.next}` : ''),
        ].join('\n'),
      );
    }
    if (command === 'show') {
      const letter = await desk.show(idOf(id));
      return print(letter, details(letter));
    }
    if (command === 'redrive' && values.all) {
      if (id) throw new UsageError('redrive takes an id or --all, not both');
      const filter = filterOf(values);
      const problems = selectionProblems(filter, { limit: 1 });
      if (problems.length > 0) throw new UsageError(problems.join('; '));
      const outcome = await desk.redriveAll(filter, actor);
      const { redriven, notStored } = outcome;
      return print(
        outcome,
        `re-drove ${redriven.length} dead letter(s)${redriven.length ? `: ${redriven.join(' ')}` : ''}` +
          (notStored.length
            ? `\nleft ${notStored.length} that are no stored event: ${notStored.join(' ')}`
            : ''),
      );
    }
    if (command === 'redrive') {
      const { letter, event } = await desk.redrive(idOf(id), actor);
      return print(
        { letter, event },
        `re-drove ${letter.id}: published the stored event ${event.eventId} (${event.streamId} version ` +
          `${event.streamVersion}) to ${config.kafka.topic}`,
      );
    }
    if (command === 'handled') {
      const letter = await desk.markHandled(idOf(id), actor);
      return print(letter, `marked ${letter.id} handled by ${actor.by}`);
    }
    throw new UsageError(`unknown command ${command}`);
  } finally {
    await Promise.all([db.end(), store.end()]);
  }
}

const isUsageError = (error: unknown) =>
  error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');

main().catch((error: unknown) => {
  if (isUsageError(error)) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (error instanceof UnknownDeadLetterError) {
    console.error(error.message);
    process.exit(3);
  }
  if (error instanceof NotAStoredEventError) {
    console.error(error.message);
    process.exit(4);
  }
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: string }).code === '42P01')
    console.error(
      `dead-letters failed: ${message}: the read database lacks the dead-letter marks; ` +
        'start the query service once (it runs the read-side migrations) and try again',
    );
  else console.error(`dead-letters failed: ${message}`);
  process.exit(1);
});
