import { parseArgs } from 'node:util';
import { OperatorAudit, type RecordedOperatorAction } from '@tally/database';
import { Pool } from 'pg';
import { createKafka, type KafkaLogger } from '@tally/messaging';
import { PipelineOverviewReader } from '@tally/operations';
import { loadConfig } from './config';
import { formatStatus } from './status-table';

const usage = `Usage: npm run admin -- status [--json]
       npm run admin -- audit [--limit 50] [--before <id>] [--json]

status   one reading of the whole pipeline, from Kafka and the databases themselves (so it is right
         even while a service is down): the relay's leader and backlog, each replica set's lag and
         freshness per partition, parked events, dead letters, transfers in flight, commands/s.
         --json prints the overview as JSON (its fields: libs/platform/operations/README.md).
audit    what operators did, newest first (operator_actions in the write database, append-only): when,
         who, what on what, why, the outcome (done, or refused and why), the state before and after.
         --before takes the last id of the previous page.

Settings (docs/configuration.md): KAFKA_*, ADMIN_WRITE_DATABASE_URL or WRITE_DATABASE_URL,
ADMIN_REPLICA_SETS (or READ_DATABASE_URL with KAFKA_GROUP_ID), ADMIN_COMMAND_METRICS_URLS.`;

/** Warnings and errors as JSON lines on stderr: stdout carries only the status. */
const stderrLogger: KafkaLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => console.error(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

/** A rate needs two readings of the command counters: the first one this far before the real one. */
const RATE_WINDOW_MS = 1_000;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      limit: { type: 'string' },
      before: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (values.help) return console.log(usage);
  const limit = Number(values.limit ?? '50');
  const badPage =
    !Number.isSafeInteger(limit) || limit < 1 || limit > 1_000 || !/^\d{1,18}$/.test(values.before ?? '0');
  if (!['status', 'audit'].includes(command ?? '') || positionals.length > 1 || badPage) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  if (command === 'audit') return printAudit(config.writeDatabaseUrl, limit, values.before, values.json);
  const reader = new PipelineOverviewReader({
    kafka: createKafka(config.kafka, stderrLogger),
    topic: config.kafka.topic,
    writeDatabaseUrl: config.writeDatabaseUrl,
    replicaSets: config.replicaSets,
    commandMetricsUrls: config.commandMetricsUrls,
    deadLetterMarksDatabaseUrl: config.actions.readDatabaseUrl,
  });
  try {
    if (config.commandMetricsUrls.length > 0) {
      await reader.sampleCommands();
      await new Promise((resolve) => setTimeout(resolve, RATE_WINDOW_MS));
    }
    const overview = await reader.read();
    console.log(values.json ? JSON.stringify(overview, null, 2) : formatStatus(overview));
  } finally {
    await reader.close();
  }
}

const auditLine = (a: RecordedOperatorAction): string =>
  [
    `#${a.id} ${a.at} ${a.actor} ${a.action} ${a.target}: ${a.outcome}${a.reason ? ` (why: ${a.reason})` : ''}`,
    ...(a.before === null ? [] : [`    before ${JSON.stringify(a.before)}`]),
    ...(a.after === null ? [] : [`    after  ${JSON.stringify(a.after)}`]),
  ].join('\n');

async function printAudit(url: string, limit: number, before: string | undefined, json?: boolean) {
  const pool = new Pool({ connectionString: url, max: 1, statement_timeout: 10_000 });
  try {
    const actions = await new OperatorAudit(pool).latest(limit, before);
    const next = actions.length === limit ? actions.at(-1)?.id : undefined;
    console.log(
      json
        ? JSON.stringify({ actions, next: next ?? null }, null, 2)
        : [
            ...actions.map(auditLine),
            `${actions.length} action(s)${next ? `; older: --before ${next}` : ''}`,
          ].join('\n'),
    );
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(`admin failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
