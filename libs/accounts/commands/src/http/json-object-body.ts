import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type PipeTransform,
  UseGuards,
} from '@nestjs/common';
import { ProblemException } from '@tally/http';
import type { FastifyRequest } from 'fastify';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalidBody = (detail: string, errors: { field: string; messages: string[] }[]) =>
  new ProblemException(400, 'validation-failed', 'The request is not valid', detail, { errors });

/**
 * A command body is a JSON object. Valid JSON that is not one (an array, null, a number, a string)
 * is refused with one clear message here, in a guard, before the DTO validation would report it as
 * a confusing list of missing fields.
 */
@Injectable()
export class JsonObjectBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { body } = context.switchToHttp().getRequest<FastifyRequest>();
    if (body === undefined || isPlainObject(body)) return true;
    const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw invalidBody(`The request body must be a JSON object, not ${kind}.`, [
      { field: '(body)', messages: ['must be a JSON object'] },
    ]);
  }
}

export const JsonObjectBody = () => UseGuards(JsonObjectBodyGuard);

/** For commands without parameters: no body, or `{}`; every field sent is listed as unknown. */
@Injectable()
export class NoFieldsPipe implements PipeTransform {
  transform(value: unknown): undefined {
    const fields = isPlainObject(value) ? Object.keys(value) : [];
    if (fields.length > 0)
      throw invalidBody(
        'This command takes no fields.',
        fields.map((field) => ({ field, messages: [`property ${field} should not exist`] })),
      );
    return undefined;
  }
}
