import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';

/** Documents If-Match and the write problems shared by every command on an existing account. */
export const AccountWriteDocs = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'The version you last saw, as an ETag ("3"). A stale version gets 409 with currentVersion.',
    }),
    ApiResponse({ status: 400, description: 'validation-failed, invalid-if-match, invalid-idempotency-key' }),
    ApiResponse({ status: 404, description: 'account-not-found' }),
    ApiResponse({ status: 409, description: 'version-conflict (body has currentVersion)' }),
    ApiResponse({ status: 422, description: 'a business rule: account-closed, insufficient-funds, …' }),
  );
