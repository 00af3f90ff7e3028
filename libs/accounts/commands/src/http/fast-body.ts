import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { createValidationPipe } from '@tally/http';
import type { FastifyRequest } from 'fastify';

/** True only for bodies the DTO's own validation certainly accepts unchanged. */
export type PlainlyValid = (body: Record<string, unknown>) => boolean;

/**
 * A hot route's body: a plainly valid one (the common case) is taken as is, skipping
 * class-transformer and class-validator, which cost more than the rest of a deposit's own work;
 * anything else goes through the shared validation pipe against the DTO, so every refusal is the
 * same RFC 9457 400 listing every bad field. `plainlyValid` may refuse too much, never too little
 * (fast-body.spec.ts holds each one to the DTO's rules).
 */
export class FastBodyPipe<T extends object> implements PipeTransform<unknown, Promise<T> | T> {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly dto: Type<T>,
    private readonly plainlyValid: PlainlyValid,
  ) {}

  transform(body: unknown): Promise<T> | T {
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const fields = body as Record<string, unknown>;
      if (this.plainlyValid(fields)) return Object.assign(new this.dto(), fields);
    }
    return this.validation.transform(body, { type: 'body', metatype: this.dto }) as Promise<T>;
  }
}

/**
 * The request body as a custom parameter: the global validation pipe leaves custom parameters to
 * their own pipes (validateCustomDecorators is off), so the DTO is validated once, by FastBodyPipe.
 * Document the body with `@ApiBody({ type: dto })` on the route.
 */
const RequestBody = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<FastifyRequest>().body,
);

export const FastBody = <T extends object>(dto: Type<T>, plainlyValid: PlainlyValid): ParameterDecorator =>
  RequestBody(undefined, new FastBodyPipe(dto, plainlyValid));
