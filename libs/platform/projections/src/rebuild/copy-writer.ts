import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BulkTarget, CopyValue, RowSink } from './bulk-load';
import { identifier } from './shadow-tables';

const SPECIAL = /[\\\n\r\t]/g;
const HAS_SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY's text format: backslash escapes for the delimiter, newlines and itself. */
export function copyText(value: CopyValue): string {
  if (value === null) return '\\N';
  // Testing first is cheaper than a replace that finds nothing, which is almost every value.
  if (typeof value === 'string')
    return HAS_SPECIAL.test(value) ? value.replace(SPECIAL, (c) => ESCAPES[c]) : value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

interface Buffered {
  sql: string;
  text: string;
}

/**
 * Streams rows into the tables of one schema with COPY FROM STDIN: PostgreSQL's cheapest way in,
 * for the database (no per-row statement or conflict check) and for Node (no parameter arrays).
 * Rows are collected per table and sent in large COPY statements, one at a time on one connection,
 * while the caller goes on producing: PostgreSQL ingests one batch while Node decodes and folds the
 * next. Each COPY commits on its own; that is fine for tables no one else sees yet (a failed rebuild
 * drops them whole).
 */
export class CopyWriter implements BulkTarget {
  private readonly buffers = new Map<string, Buffered>();
  private readonly sending: { bytes: number; done: Promise<void> }[] = [];
  private queuedBytes = 0;
  private failure: Error | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    /** Size at which a table's rows are sent as one COPY. */
    private readonly flushAt = 2 ** 18,
    /** Rows sent but not yet ingested beyond which `drained` waits: bounds memory. */
    private readonly maxQueued = 8 * 2 ** 20,
  ) {}

  table(name: string, columns: readonly string[]): RowSink {
    const sql = `COPY ${identifier(this.schema)}.${identifier(name)} (${columns.map(identifier).join(', ')}) FROM STDIN`;
    const buffered = this.buffers.get(sql) ?? { sql, text: '' };
    this.buffers.set(sql, buffered);
    return {
      write: (row) => {
        let line = copyText(row[0]);
        for (let i = 1; i < row.length; i++) line += '\t' + copyText(row[i]);
        buffered.text += line + '\n';
        if (buffered.text.length >= this.flushAt) this.send(buffered);
      },
    };
  }

  /** Resolves once few enough rows are in flight; rejects if a COPY failed. */
  async drained(): Promise<void> {
    while (this.queuedBytes > this.maxQueued && this.sending.length > 0) await this.sending[0].done;
    if (this.failure) throw this.failure;
  }

  /** Sends what is left and waits until PostgreSQL has ingested every row. */
  async end(): Promise<void> {
    for (const buffered of this.buffers.values()) this.send(buffered);
    await this.tail;
    if (this.failure) throw this.failure;
  }

  private send(buffered: Buffered): void {
    if (buffered.text.length === 0) return;
    const data = Buffer.from(buffered.text);
    buffered.text = '';
    const entry = { bytes: data.length, done: Promise.resolve() };
    entry.done = this.tail = this.tail.then(async () => {
      try {
        if (!this.failure) await this.copy(buffered.sql, data);
      } catch (error) {
        this.failure ??= error as Error;
      } finally {
        this.queuedBytes -= entry.bytes;
        this.sending.shift();
      }
    });
    this.queuedBytes += entry.bytes;
    this.sending.push(entry);
  }

  private async copy(sql: string, data: Buffer): Promise<void> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await pipeline(Readable.from([data]), client.query(copyFrom(sql)));
    } catch (error) {
      failure = error as Error;
      throw error;
    } finally {
      // A connection whose COPY failed midway is not reused.
      client.release(failure);
    }
  }
}
