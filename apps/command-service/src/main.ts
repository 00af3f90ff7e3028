import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ensureDatabase, runMigrations } from '@tally/database';
import { writeSideMigrations } from '@tally/accounts-commands';
import { createHttpApp } from '@tally/http';
import { createKafka, nestLogger, prepareTopics } from '@tally/messaging';
import { startServiceTracing } from '@tally/tracing';
import { CommandServiceModule } from './app.module';
import { commandServiceApi } from './openapi';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const tracing = await startServiceTracing(config.tracing);
  await ensureDatabase(config.migrationDatabaseUrl);
  await runMigrations(config.migrationDatabaseUrl, writeSideMigrations, 'write');
  await prepareTopics(createKafka(config.kafka, nestLogger('kafkajs')), config.kafka, {
    deadLetter: false,
    logger: nestLogger('KafkaTopics'),
  });

  const app = await createHttpApp(CommandServiceModule.register(config), {
    ...commandServiceApi,
    rateLimit: config.rateLimit,
    tracing: tracing.enabled,
  });
  // Spans still buffered are exported when the app closes (SIGTERM included: shutdown hooks are on).
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', () => tracing.shutdown());
  await app.listen({ host: config.host, port: config.port });
  new Logger('main').log(`command service listening on http://${config.host}:${config.port}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
