export * from './accounts-commands.module';
export * from './command-pipeline';
