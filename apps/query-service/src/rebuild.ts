import 'reflect-metadata';
import { accountReadModels } from '@tally/accounts-read-models';
import { runMigrations } from '@tally/database';
import { createKafka } from '@tally/messaging';
import { rebuildReadModels } from '@tally/projections';
import { SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import { stderrLogger } from './cli-support';
import { loadConfig } from './config';

const usage = `Usage: npm run rebuild -- [--keep-old]

Rebuilds the read tables from the beginning of the topic into a shadow schema, with its own consumer
group, while the live tables keep serving; swaps them in atomically once they have caught up with the
live ones. Uses the query service's environment (READ_MIGRATION_DATABASE_URL, else READ_DATABASE_URL:
the tables' owner; KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_GROUP_ID). --keep-old keeps the replaced tables in schema retired_<timestamp>.`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'keep-old': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(usage);
  const config = loadConfig();
  // Creating and swapping tables is the owner's right, not the service role's.
  await runMigrations(config.migrationDatabaseUrl, accountReadModels.migrations, 'read');
  const label = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const bar = new SingleBar({
    format: 'rebuild |{bar}| {percentage}% | {value}/{total} messages | {applied} applied | {phase}',
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
    keepOld: values['keep-old'],
    onProgress: ({ done, total, applied, phase }) => {
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { applied, phase });
    },
  });
  bar.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `rebuilt ${accountReadModels.tables.join(', ')}: ${result.applied} events applied from ` +
      `${result.messages} messages in ${seconds} s; swapped in` +
      (result.retiredSchema ? `; old tables kept in schema ${result.retiredSchema}` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
