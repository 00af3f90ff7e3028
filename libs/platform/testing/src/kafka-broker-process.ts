import path from 'node:path';

/** What infra/kafka/local-broker.js returns (plain CommonJS, no type declarations). */
interface LocalBroker {
  brokers: string;
  port: number;
  controllerPort: number;
  pid: number;
  dataDir: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  stop(): Promise<void>;
}

interface LocalBrokerModule {
  startBroker(options: {
    port?: number;
    controllerPort?: number;
    dataDir?: string;
    fast?: boolean;
    log?: (line: string) => void;
    timeoutMs?: number;
  }): Promise<LocalBroker>;
}

const workspaceRoot = path.resolve(__dirname, '../../../..');
const brokerModule = (): LocalBrokerModule => {
  const root = path.basename(workspaceRoot) === 'dist' ? path.dirname(workspaceRoot) : workspaceRoot;
  return require(path.join(root, 'infra', 'kafka', 'local-broker.js')) as LocalBrokerModule;
};

export interface KafkaBrokerProcess {
  /** host:port, stable across restarts. */
  readonly brokers: string;
  readonly dataDir: string;
  readonly pid: number;
  /** A crash: SIGKILL, no shutdown hooks; resolves once the JVM is gone. */
  kill(): Promise<void>;
  /** Starts the broker again on the same ports and data (what it had written survives). */
  restart(): Promise<void>;
  /** Clean stop; the data dir stays (the caller owns it). */
  stop(): Promise<void>;
}

/**
 * The local Kafka broker as a process a fault-injection test may kill -9 and restart: same data dir,
 * same client and controller ports (the KRaft quorum names the controller's address), so clients
 * reconnect to the same address and find every acknowledged message. The JVM dies with its parent.
 */
export async function startKafkaBroker(options: {
  dataDir: string;
  log?: (line: string) => void;
}): Promise<KafkaBrokerProcess> {
  const { startBroker } = brokerModule();
  const log = options.log ?? (() => undefined);
  let broker = await startBroker({ dataDir: options.dataDir, log });
  const { port, controllerPort } = broker;
  let alive = true;
  return {
    brokers: broker.brokers,
    dataDir: options.dataDir,
    get pid() {
      return broker.pid;
    },
    kill: async () => {
      if (!alive) return;
      try {
        process.kill(broker.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await broker.exited;
      await broker.stop(); // bookkeeping only: the process is gone
      alive = false;
    },
    restart: async () => {
      if (alive) return;
      broker = await startBroker({ dataDir: options.dataDir, port, controllerPort, log });
      alive = true;
    },
    stop: async () => {
      if (alive) await broker.stop();
      alive = false;
    },
  };
}
