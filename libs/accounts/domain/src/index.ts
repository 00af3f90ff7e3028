export * from './decider';
export * from './money';
export * from './account.decider';
export * from './transfer.decider';
