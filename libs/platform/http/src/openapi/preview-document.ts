import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument, type ApiInfo } from './openapi-document';

/**
 * A service's OpenAPI document without starting it: Nest's preview mode builds the module graph but
 * creates no provider, so nothing connects to PostgreSQL or Kafka. Used to write and check the
 * committed documents; `createHttpApp` builds the served one with the same `buildOpenApiDocument`.
 */
export async function previewOpenApiDocument(
  module: Type | DynamicModule,
  info: ApiInfo,
): Promise<OpenAPIObject> {
  const app = await NestFactory.create(module, new FastifyAdapter(), { preview: true, logger: false });
  try {
    return buildOpenApiDocument(app, info);
  } finally {
    await app.close();
  }
}
