export * from './decider';
export * from './money';
export * from './account.decider';
