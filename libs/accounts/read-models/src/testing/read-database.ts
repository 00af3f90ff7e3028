import { runMigrations } from '@tally/database';
import { createTestDatabase } from '@tally/testing';
import { DataSource } from 'typeorm';
import { accountReadModels } from '../account-read-models';

export interface ReadDatabase {
  url: string;
  /** TypeORM over the read tables, as the query service has it. */
  dataSource: DataSource;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** A throwaway read database, migrated, with a DataSource of `connections` connections over it. */
export async function createReadDatabase(label: string, connections: number): Promise<ReadDatabase> {
  const db = await createTestDatabase(label);
  await runMigrations(db.url, accountReadModels.migrations, 'read');
  const dataSource = await new DataSource({
    type: 'postgres',
    url: db.url,
    entities: accountReadModels.entities,
    extra: { max: connections },
  }).initialize();
  return {
    url: db.url,
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await db.drop();
    },
  };
}
