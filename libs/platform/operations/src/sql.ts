/** What the overview needs of a database: a pg Pool (or Client) fits. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<{ rows: Row[] }>;
}
