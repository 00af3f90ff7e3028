import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException } from './problem';

export interface FieldError {
  field: string;
  messages: string[];
}

const flatten = (errors: ValidationError[], parent = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });

/**
 * Request bodies and query strings are validated against their DTO classes. Unknown fields are an
 * error rather than silently dropped, and every bad field is listed, not just the first.
 */
export const createValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new ProblemException(
        400,
        'validation-failed',
        'The request is not valid',
        'See errors for each field.',
        {
          errors: flatten(errors),
        },
      ),
  });
