import type { ValueTransformer } from 'typeorm';

/**
 * Money columns are bigint in PostgreSQL, which pg returns as strings. Amounts are kept below
 * Number.MAX_SAFE_INTEGER by the write side, so converting to number is exact.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * A bigint column that may pass Number.MAX_SAFE_INTEGER (a sum over accounts): kept as the exact
 * decimal string pg returns, and answered as one in JSON.
 */
export const bigintAsDecimalString: ValueTransformer = {
  to: (value: string | undefined) => value,
  from: (value: string | null) => value,
};
