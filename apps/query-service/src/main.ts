import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { accountReadModels } from '@tally/accounts-read-models';
import { ensureDatabase, runMigrations } from '@tally/database';
import { createHttpApp } from '@tally/http';
import { createKafka, nestLogger, prepareTopics } from '@tally/messaging';
import { startServiceTracing } from '@tally/tracing';
import { QueryServiceModule } from './app.module';
import { queryServiceApi } from './openapi';
import { loadConfig, loadHttpConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const http = loadHttpConfig();
  const tracing = await startServiceTracing(http.tracing);
  await ensureDatabase(config.migrationDatabaseUrl);
  await runMigrations(config.migrationDatabaseUrl, accountReadModels.migrations, 'read');
  const kafka = createKafka(config.kafka, nestLogger('kafkajs'));
  await prepareTopics(kafka, config.kafka, { deadLetter: true, logger: nestLogger('KafkaTopics') });

  const app = await createHttpApp(QueryServiceModule.register(config, http), {
    ...queryServiceApi,
    rateLimit: http.rateLimit,
    tracing: tracing.enabled,
  });
  // Spans still buffered are exported when the app closes (SIGTERM included: shutdown hooks are on).
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', () => tracing.shutdown());
  await app.listen({ host: config.host, port: config.port });
  new Logger('main').log(`query service listening on http://${config.host}:${config.port}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
