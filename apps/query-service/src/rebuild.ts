import 'reflect-metadata';
import { accountReadModels } from '@tally/accounts-read-models';
import { runMigrations } from '@tally/database';
import { createKafka } from '@tally/messaging';
import { rebuildReadModels } from '@tally/projections';
import { SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import { stderrLogger } from './cli-support';
import { loadConfig } from './config';

const usage = `Usage: npm run rebuild -- [--source store|topic] [--keep-old]

Rebuilds the read tables into a shadow schema while the live tables keep serving, and swaps them in
atomically once they have caught up with the live ones.

--source store   (default) replays the event store's events in their global order, then hands over to
                 the topic where it ended when the replay began: works whatever the topic still holds.
--source topic   replays the topic from its beginning: only if it has kept every event (retention.ms=-1).
--keep-old       keeps the replaced tables in schema retired_<timestamp>.

Uses the query service's environment: READ_MIGRATION_DATABASE_URL, else READ_DATABASE_URL (the tables'
owner); EVENT_STORE_DATABASE_URL, else WRITE_DATABASE_URL (SELECT on events is enough);
KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_GROUP_ID.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', default: 'store' },
      'keep-old': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(usage);
  if (values.source !== 'store' && values.source !== 'topic') {
    console.error(`--source must be store or topic, not ${values.source}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  // Creating and swapping tables is the owner's right, not the service role's.
  await runMigrations(config.migrationDatabaseUrl, accountReadModels.migrations, 'read');
  const label = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const unit = values.source === 'store' ? 'events' : 'messages';
  const bar = new SingleBar({
    format: `rebuild |{bar}| {percentage}% | {value}/{total} ${unit} | {applied} applied | {phase}`,
    hideCursor: true,
  });
  bar.start(1, 0, { applied: 0, phase: 'starting' });
  const started = Date.now();
  const result = await rebuildReadModels({
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
    onProgress: ({ done, total, applied, phase }) => {
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { applied, phase });
    },
  });
  bar.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `rebuilt ${accountReadModels.tables.join(', ')} from the ${values.source === 'store' ? 'event store' : 'topic'}: ` +
      `${result.applied} events applied from ${result.messages} ${unit} read in ${seconds} s; swapped in` +
      (result.retiredSchema ? `; old tables kept in schema ${result.retiredSchema}` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
