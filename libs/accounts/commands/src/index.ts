export * from './accounts-commands.module';
export * from './commands-options';
export * from './http/refusal-problems';
export * from './pipeline/command-pipeline';
export * from './write-side-migrations';
export * from './transfer-process/money-conservation';
export { TRANSFER_LEADER_LOCK } from './transfer-process/transfer-worker';
