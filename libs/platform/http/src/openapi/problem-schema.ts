import type { SchemaObject } from '@nestjs/swagger';

/** RFC 9457 problem details as both services answer them, with Tally's extensions. */
export const problemSchema: SchemaObject = {
  type: 'object',
  description:
    'RFC 9457 problem details. `code` is the stable part to switch on; `type` is the address of a page describing the code.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri-reference',
      description: "The code's page, relative to the service: /problems/<code>.",
      example: '/problems/insufficient-funds',
    },
    title: {
      type: 'string',
      description: 'Short, for people; may change.',
      example: 'Business rule violated',
    },
    status: { type: 'integer', description: 'The HTTP status of this answer.', example: 422 },
    code: { type: 'string', description: 'Stable, machine-readable.', example: 'insufficient-funds' },
    detail: {
      type: 'string',
      description: 'This occurrence, for people.',
      example: 'The balance (100) is less than 500.',
    },
    instance: {
      type: 'string',
      description: 'The request path.',
      example: '/accounts/3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10/withdrawals',
    },
    errors: {
      type: 'array',
      description: 'validation-failed: every field that is not valid, with its messages.',
      items: {
        type: 'object',
        required: ['field', 'messages'],
        properties: {
          field: { type: 'string', example: 'amount' },
          messages: {
            type: 'array',
            items: { type: 'string' },
            example: ['amount must be a positive integer'],
          },
        },
      },
    },
    currentVersion: {
      type: 'integer',
      description: "version-conflict: the account's current version (send it as If-Match to retry).",
      example: 4,
    },
    streamId: { type: 'string', description: 'consistency-timeout: the stream the token names.' },
    requiredVersion: { type: 'integer', description: 'consistency-timeout: the version the token needs.' },
    appliedVersion: {
      type: 'integer',
      description: 'consistency-timeout: the version the read side had applied.',
    },
    checks: { type: 'object', description: 'service-unavailable: the state of each dependency.' },
  },
};
