export * from './account-access';
export * from './visibility';
