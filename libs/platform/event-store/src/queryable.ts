/** A pool or one checked-out connection: the store works the same inside or outside a transaction. */
export type { Queryable } from '@tally/event-log';
