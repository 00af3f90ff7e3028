import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { writeSideMigrations } from '@tally/accounts-commands';
import { runMigrations } from '@tally/database';
import { parseRepublishFrom, republishFromStore } from '@tally/event-store';
import { KafkaEventPublisher, createKafka, prepareTopics, type KafkaLogger } from '@tally/messaging';
import { Pool } from 'pg';
import { loadRepublishConfig } from './config';

const usage = `Usage: npm run republish -- --from <start | global position | ISO time> [--dry-run]

Publishes the event store's events to KAFKA_TOPIC again, in the relay's order, from the given point up
to the relay's checkpoint (the running relay publishes what comes after). Use it when the topic was
deleted, recreated or truncated: the services report that in /health/ready, in the metrics
tally_relay_topic_behind_checkpoint and tally_topic_history_lost_total, and in an error log.

  --from start                    every event (a recreated topic: the whole history)
  --from 12345                    every event from that global position on
  --from 2026-11-30T15:00:00Z     every event recorded at or after that time (before the loss)
  --dry-run                       count what would be published, publish nothing

Safe while the services run, and safe to repeat: the read side applies each stream version once
(events it has are dropped, events ahead of their stream wait for their predecessors). Creates the
topic if it is missing, configured as the services create it. Uses the command service's environment
(WRITE_DATABASE_URL, KAFKA_*).`;

const stderrLogger: KafkaLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => console.error(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { from: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return console.log(usage);
  const from = parseRepublishFrom(values.from);
  if (!from) {
    if (values.from) console.error(`--from ${values.from}: not start, a global position or an ISO time\n`);
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const config = loadRepublishConfig();
  // The relay's topic bookkeeping may be newer than the running command service's schema.
  await runMigrations(config.migrationDatabaseUrl, writeSideMigrations, 'write');
  const kafka = createKafka(config.kafka, stderrLogger);
  const topic = config.kafka.topic;
  const dryRun = values['dry-run'] ?? false;
  // A missing topic is created as the services create it (every event kept), and a risky one is
  // reported, before anything is published into it.
  if (!dryRun) await prepareTopics(kafka, config.kafka, { deadLetter: false, logger: stderrLogger });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  const publisher = new KafkaEventPublisher(kafka, topic);
  let shown = 0;
  try {
    const result = await republishFromStore({
      pool,
      publisher,
      from,
      batchSize: config.batchSize,
      dryRun,
      onProgress: (published, total) => {
        if (Date.now() - shown < 1_000) return;
        shown = Date.now();
        console.error(`  ${published} / ~${total} events`);
      },
    });
    const range = `store positions after ${result.after.globalPosition} up to the relay's checkpoint at ${result.upTo.globalPosition}`;
    if (dryRun) return console.log(`would republish ${result.published} events (${range}) to ${topic}`);
    console.log(`republished ${result.published} events (${range}) to ${topic}`);
    if (result.clearedTopicLoss) console.log("cleared the relay's recorded topic loss");
  } finally {
    await publisher.close();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(`republish failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
