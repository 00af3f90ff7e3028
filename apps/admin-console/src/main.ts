import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp } from '@tally/http';
import { AdminConsoleModule } from './admin-console.module';
import { loadConfig, loadHttpConfig } from './config';
import { serveWebApp } from './web-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp(AdminConsoleModule.register(config, loadHttpConfig()), {
    title: 'Tally admin console',
    description: "The operators' console: its API (every route needs the tally:admin scope).",
  });
  serveWebApp(app);
  await app.listen({ host: config.host, port: config.port });
  new Logger('main').log(`admin console listening on http://${config.host}:${config.port}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
