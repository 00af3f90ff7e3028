import 'reflect-metadata';
import { previewOpenApiDocument, writeOpenApiDocument, type ApiInfo } from '@tally/http';
import type { OpenAPIObject } from '@nestjs/swagger';
import { QueryServiceModule } from './app.module';
import { loadConfig, loadHttpConfig } from './config';

const DOCUMENT_ENV = { AUTH_HS256_SECRET: 'openapi-document-only-'.padEnd(40, '-') };

export const queryServiceApi: ApiInfo = {
  title: 'Tally query service',
  description: 'Read API: denormalized views of accounts and transfers, built from the event topic.',
};

/** The document the service serves at /docs-json, built without starting it (see previewOpenApiDocument). */
export const queryServiceOpenApi = (): Promise<OpenAPIObject> =>
  // The configuration shapes no route: any valid one builds the same document.
  previewOpenApiDocument(
    QueryServiceModule.register(loadConfig({}), loadHttpConfig(DOCUMENT_ENV)),
    queryServiceApi,
  );

// `npm run openapi` writes the committed document.
if (require.main === module)
  void queryServiceOpenApi().then((document) => writeOpenApiDocument('query-service', document));
