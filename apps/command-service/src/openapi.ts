import 'reflect-metadata';
import { previewOpenApiDocument, writeOpenApiDocument, type ApiInfo } from '@tally/http';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CommandServiceModule } from './app.module';
import { loadConfig } from './config';

export const commandServiceApi: ApiInfo = {
  title: 'Tally command service',
  description: 'Write API: commands on accounts and transfers, validated against event-sourced aggregates.',
};

/** The document the service serves at /docs-json, built without starting it (see previewOpenApiDocument). */
export const commandServiceOpenApi = (): Promise<OpenAPIObject> =>
  // The configuration shapes no route: any valid one builds the same document.
  previewOpenApiDocument(
    CommandServiceModule.register(
      loadConfig({ AUTH_HS256_SECRET: 'openapi-document-only-'.padEnd(40, '-') }),
    ),
    commandServiceApi,
  );

// `npm run openapi` writes the committed document.
if (require.main === module)
  void commandServiceOpenApi().then((document) => writeOpenApiDocument('command-service', document));
