import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';

export type ServiceName = 'command-service' | 'query-service' | 'admin-console';

const portVariable: Record<ServiceName, string> = {
  'command-service': 'COMMAND_SERVICE_PORT',
  'query-service': 'QUERY_SERVICE_PORT',
  'admin-console': 'ADMIN_CONSOLE_PORT',
};

const workspaceRoot = path.resolve(__dirname, '../../../..');
const entryOf = (name: ServiceName) => {
  // From source (tests) or from dist/ (npm start): both resolve to the built entry point.
  const root = path.basename(workspaceRoot) === 'dist' ? path.dirname(workspaceRoot) : workspaceRoot;
  return path.join(root, 'dist', 'apps', name, 'src', 'main.js');
};

/**
 * How the services run everywhere (tests, `npm start`, the Docker image): each is sized for a 300 MB
 * memory limit. Under load V8 lets garbage promoted to the old generation pile up to ~150 MB before
 * a full collection (the live set is ~60-70 MB), which took a service past 300 MB RSS; a 192 MB old
 * generation makes it collect sooner. Node 24's V8 also lets the young generation grow to 64 MB
 * semi-spaces under a high allocation rate (heap limit 384 MB with these flags, against 240 MB on
 * Node 20): the command service peaked at ~315 MB RSS. 16 MB semi-spaces (Node 20's ceiling) brought
 * it back to 202-236 MB, and its CPU per deposit down by about a third (bench/README.md). Keep in
 * step with the Dockerfile and docker-compose.yml.
 */
export const SERVICE_NODE_FLAGS = [
  '--enable-source-maps',
  '--max-old-space-size=192',
  '--max-semi-space-size=16',
];

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface ServiceProcess {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  /** The last lines the service printed, for failure messages. */
  output(): string;
  /** SIGTERM (clean shutdown) or SIGKILL (crash); resolves with the exit code or signal. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

export interface StartServiceOptions {
  env: Record<string, string>;
  port?: number;
  /** The address the service listens on (HOST); default 127.0.0.1. */
  host?: string;
  readyTimeoutMs?: number;
  /**
   * Echo the service's output to this process (npm start) instead of only buffering it: as it comes,
   * or each line through a function (npm start pretty-prints the JSON logs on a terminal).
   */
  echo?: boolean | ((line: string) => void);
}

/** Where this machine reaches a service listening on `host` (a wildcard address: over loopback). */
const reachable = (host: string): string => {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
};

/** Starts a built service as its own process and resolves once /health/ready answers 200. */
export async function startService(name: ServiceName, options: StartServiceOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, entryOf(name)], {
    env: { ...process.env, ...options.env, [portVariable[name]]: String(port), HOST: host },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const { echo } = options;
  /** Per stream: a chunk may end mid-line, and stdout's half line must not meet stderr's. */
  const remember = () => {
    let partial = '';
    return (chunk: Buffer) => {
      if (echo === true) process.stdout.write(chunk);
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      const complete = parts.filter(Boolean);
      if (typeof echo === 'function') complete.forEach(echo);
      lines.push(...complete);
      lines.splice(0, Math.max(0, lines.length - 200));
    };
  };
  child.stdout?.on('data', remember());
  child.stderr?.on('data', remember());
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string | null);

  const service: ServiceProcess = {
    name,
    url: `http://${reachable(host)}:${port}`,
    child,
    output: () => lines.slice(-40).join('\n'),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  await waitUntilReady(service, exited, options.readyTimeoutMs ?? 60_000);
  return service;
}

async function waitUntilReady(
  service: ServiceProcess,
  exited: Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop('SIGKILL');
  throw new Error(
    `${service.name} did not become ready (${gone ? 'it exited' : 'timeout'}):\n${service.output()}`,
  );
}
