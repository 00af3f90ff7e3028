import { AccountEventType } from './account-events';
import { registerUpcaster } from './upcasters';

/**
 * The account event upcasters, registered when the contracts are loaded, so that every reader (the
 * event store on the write side, decodeEvent on the read side) sees only the latest versions.
 */

/** MoneyDeposited v1 → v2: v1 never said where money came from, so its source is `unknown`. */
export const SOURCE_OF_V1_DEPOSITS = 'unknown';
registerUpcaster(AccountEventType.MoneyDeposited, 1, (data) => ({ ...data, source: SOURCE_OF_V1_DEPOSITS }));
