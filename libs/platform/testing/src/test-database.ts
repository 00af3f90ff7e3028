import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase } from '@tally/database';

/** The server integration tests create their throwaway databases on. */
export const testServerUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database per test file, so files can run in parallel and leave nothing behind. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const url = new URL(testServerUrl());
  url.pathname = `/tally_test_${label}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}
