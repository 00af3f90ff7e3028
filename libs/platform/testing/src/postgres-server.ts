import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './service-process';

const run = promisify(execFile);

/** Debian installs server binaries per major version; the newest one wins unless PG_BIN says otherwise. */
function serverBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  if (versions.length === 0)
    throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql; set PG_BIN');
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** PostgreSQL refuses to run as root, so as root its tools run as the `postgres` user. */
const asServerUser = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

export interface PostgresServer {
  port: number;
  dataDir: string;
  /** A connection URL for `database` on this server. */
  url(database?: string): string;
  start(): Promise<void>;
  /** `immediate` is a crash: no checkpoint, recovery from the WAL on the next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL server of the test's own (initdb into a temp dir, a spare loopback port), so that a
 * fault-injection test may crash and restart it without touching the machine's shared server.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = serverBinDir();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-pg-'));
  const port = await freePort();
  if (process.getuid?.() === 0) await run('chown', ['postgres:', dataDir]);
  await run(
    ...asServerUser(path.join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]),
  );
  const pgCtl = (args: string[]) => run(...asServerUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args]));
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200`;

  const server: PostgresServer = {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await pgCtl(['-l', path.join(dataDir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
      await waitForConnections(server.url());
    },
    stop: async (mode = 'fast') => {
      await pgCtl(['-m', mode, '-w', 'stop']).catch((error: { stderr?: string }) => {
        if (!/not running|No such file/i.test(error.stderr ?? '')) throw error;
      });
    },
    destroy: async () => {
      await server.stop('immediate');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

async function waitForConnections(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
