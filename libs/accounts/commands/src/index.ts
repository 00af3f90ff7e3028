export * from './accounts-commands.module';
export * from './commands-options';
export * from './command-pipeline';
export * from './write-side-migrations';
