import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';

/** The committed form of a document: `openapi/<service>.json` from the repository root. */
export const openApiFileOf = (root: string, service: string): string => join(root, 'openapi', `${service}.json`);

export const serializeOpenApi = (document: OpenAPIObject): string => `${JSON.stringify(document, null, 2)}\n`;

/** Writes the committed document (`npm run openapi`, run from the repository root). */
export function writeOpenApiDocument(service: string, document: OpenAPIObject, root = process.cwd()): void {
  const file = openApiFileOf(root, service);
  mkdirSync(join(root, 'openapi'), { recursive: true });
  writeFileSync(file, serializeOpenApi(document));
  console.log(`wrote ${file}`);
}
