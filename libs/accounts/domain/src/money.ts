/**
 * Money is an integer number of minor units (cents) of an ISO 4217 currency. A single amount is
 * capped well below Number.MAX_SAFE_INTEGER so that sums of many amounts stay exact in JavaScript
 * and in PostgreSQL bigint columns.
 */
export const MAX_AMOUNT = 1_000_000_000_000; // 10 billion in a two-decimal currency

/** Balances may grow past MAX_AMOUNT, but never past what a double still counts exactly. */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;

export const isValidAmount = (amount: unknown): amount is number =>
  Number.isSafeInteger(amount) && (amount as number) > 0 && (amount as number) <= MAX_AMOUNT;

const iso4217 = new Set(Intl.supportedValuesOf('currency'));

export const isCurrencyCode = (code: unknown): code is string =>
  typeof code === 'string' && /^[A-Z]{3}$/.test(code) && iso4217.has(code);
