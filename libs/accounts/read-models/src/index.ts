export * from './account-read-models';
export * from './account-summary/account-summary.entity';
