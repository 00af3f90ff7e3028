export * from './tally-client';
export * from './tally-problem';
export { retryingFetch, safeToRepeat, type RetryPolicy } from './retrying-fetch';
export type * as CommandServiceApi from './generated/command-service';
export type * as QueryServiceApi from './generated/query-service';
