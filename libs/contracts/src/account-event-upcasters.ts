import { AccountEventType } from './account-events';
import type { Upcasters } from './upcasters';

/** MoneyDeposited v1 → v2: v1 never said where money came from, so its source is `unknown`. */
export const SOURCE_OF_V1_DEPOSITS = 'unknown';

/** The account event upcasters; `upcast` applies them. */
export const accountEventUpcasters: Upcasters = {
  [AccountEventType.MoneyDeposited]: { 1: (data) => ({ ...data, source: SOURCE_OF_V1_DEPOSITS }) },
};
