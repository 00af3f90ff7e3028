import type { AccountEvent } from './account-events';
import type { TransferEvent } from './transfer-events';

/** Every event this system writes. */
export type KnownEvent = AccountEvent | TransferEvent;
