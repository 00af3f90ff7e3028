export * from './accounts-commands.module';
export * from './commands-options';
export * from './pipeline/command-pipeline';
export * from './write-side-migrations';
