import { parseArgs } from 'node:util';
import { createKafka, type KafkaLogger } from '@tally/messaging';
import { PipelineOverviewReader } from '@tally/operations';
import { loadConfig } from './config';
import { formatStatus } from './status-table';

const usage = `Usage: npm run admin -- status [--json]

status   one reading of the whole pipeline, from Kafka and the databases themselves (so it is right
         even while a service is down): the relay's leader and backlog, each replica set's lag and
         freshness per partition, parked events, dead letters, transfers in flight, commands/s.
         --json prints the overview as JSON (its fields: libs/platform/operations/README.md).

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
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help) return console.log(usage);
  if (command !== 'status' || positionals.length > 1) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
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

main().catch((error: unknown) => {
  console.error(`admin failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
