import 'reflect-metadata';
import { accountReadModels } from '@tally/accounts-read-models';
import { runMigrations } from '@tally/database';
import { createKafka } from '@tally/messaging';
import { RebuildJob, type RebuildJobStatus } from '@tally/projections';
import { parseArgs } from 'node:util';
import { stderrLogger } from './cli-support';
import { loadConfig } from './config';
import { interruptions, rebuildReporter } from './rebuild-output';

const usage = `Usage: npm run rebuild -- [--source store|topic] [--keep-old] [--json]

Rebuilds the read tables into a shadow schema while the live tables keep serving, and swaps them in
atomically once they have caught up with the live ones. One rebuild at a time per read database.

--source store   (default) replays the event store's events in their global order, then hands over to
                 the topic where it ended when the replay began: works whatever the topic still holds.
--source topic   replays the topic from its beginning: only if it has kept every event (retention.ms=-1).
--keep-old       keeps the replaced tables in schema retired_<timestamp>.
--json           progress as JSON lines, then the outcome (the default when stdout is not a terminal).

Ctrl-C (SIGINT) or SIGTERM cancels: the shadow schema and the rebuild's consumer group are removed and
the live tables stay as they were. Exit code 0 swapped in, 1 failed, 2 bad usage, 130 cancelled.

Uses the query service's environment: READ_MIGRATION_DATABASE_URL, else READ_DATABASE_URL (the tables'
owner); EVENT_STORE_DATABASE_URL, else WRITE_DATABASE_URL (SELECT on events is enough);
KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_GROUP_ID.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', default: 'store' },
      'keep-old': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(usage);
  if (values.source !== 'store' && values.source !== 'topic') {
    console.error(`--source must be store or topic, not ${values.source}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  // Set once the rebuild has started: an interruption before that just quits.
  const started: { job?: RebuildJob } = {};
  const stopListening = interruptions({
    first: () => {
      const job = started.job;
      if (!job) process.exit(130);
      console.error(
        `cancelling: dropping schema rebuild_${job.id} and deleting the rebuild's consumer group…`,
      );
      job.cancel();
    },
    again: () => {
      const job = started.job;
      console.error(
        job
          ? `quit without cleaning up: drop schema rebuild_${job.id} and delete group *-rebuild-${job.id} yourself`
          : 'quit',
      );
      process.exit(130);
    },
  });
  const config = loadConfig();
  // Creating and swapping tables is the owner's right, not the service role's.
  await runMigrations(config.migrationDatabaseUrl, accountReadModels.migrations, 'read');
  const label = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const job = (started.job = await RebuildJob.start({
    kafka: createKafka(config.kafka, stderrLogger),
    topic: config.kafka.topic,
    databaseUrl: config.migrationDatabaseUrl,
    projector: accountReadModels.projector,
    groupId: `${config.groupId}-rebuild-${label}`,
    label,
    tables: accountReadModels.tables,
    entities: accountReadModels.entities,
    projections: accountReadModels.projections,
    logger: stderrLogger,
    eventStore: values.source === 'store' ? { databaseUrl: config.eventStoreDatabaseUrl } : undefined,
    keepOld: values['keep-old'],
  }));
  const reporter = rebuildReporter(values.json || !process.stdout.isTTY ? 'json' : 'bar');
  job.onProgress(reporter.progress);
  const outcome: RebuildJobStatus = await job.finished;
  stopListening();
  reporter.end(outcome, accountReadModels.tables);
  process.exitCode = outcome.state === 'succeeded' ? 0 : outcome.state === 'cancelled' ? 130 : 1;
}

main().catch((error: unknown) => {
  if (String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  console.error(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
