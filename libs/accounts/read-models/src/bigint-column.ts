import type { ValueTransformer } from 'typeorm';

/**
 * Money columns are bigint in PostgreSQL, which pg returns as strings. Amounts are kept below
 * Number.MAX_SAFE_INTEGER by the write side, so converting to number is exact.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
