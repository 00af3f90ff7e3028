export * from './accounts-commands.module';
export * from './commands-options';
export * from './http/refusal-problems';
export * from './pipeline/command-pipeline';
export * from './write-side-migrations';
