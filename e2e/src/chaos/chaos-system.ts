import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authConfigFromEnv, mintLocalToken } from '@tally/http';
import { deadLetterTopicOf, kafkaSettingsFromEnv, prepareTopics } from '@tally/messaging';
import { Kafka, logLevel } from 'kafkajs';
import {
  FaultProxy,
  startKafkaBroker,
  startOrphanGuard,
  startPostgresServer,
  startService,
  freePort,
  type KafkaBrokerProcess,
  type OrphanGuard,
  type PostgresServer,
  type ServiceName,
  type SeededRandom,
  type ServiceProcess,
} from '@tally/testing';

/** What infra/kafka/lib/cluster.js returns (its JSDoc types, restated for the e2e project). */
export interface KafkaCluster {
  brokers: string;
  nodes: { id: number; port: number }[];
  startupMs: number;
  kill(id: number): Promise<void>;
  restart(id: number): Promise<void>;
  isolate(id: number): void;
  heal(id: number): void;
  rssMb(): Record<number, number>;
  pid(id: number): number | undefined;
  stop(): Promise<void>;
}

import type { Endpoint } from './workload';

// Plain CommonJS (it runs before anything is built), so it is required, not imported.
const { startCluster } = require(path.resolve(__dirname, '../../../infra/kafka/local-broker.js')) as {
  startCluster(options: { dataDir: string; log: (line: string) => void }): Promise<KafkaCluster>;
};

export interface QueryInstance {
  name: string;
  port: number;
  process?: ServiceProcess;
}

/** A command service and the fault proxy of its own between it and PostgreSQL. */
export interface CommandInstance {
  name: string;
  port: number;
  proxy: FaultProxy;
  process?: ServiceProcess;
}

/** Command services running side by side: the locked path, leader handover and fencing are exercised. */
export const COMMAND_INSTANCES = 2;

export const TOPIC = 'tally.chaos.events';
/** The command services' deadline for a command (COMMAND_DEADLINE_MS): no answer may come later than this + 1 s. */
export const COMMAND_DEADLINE_MS = 5_000;
export const PARTITIONS = 6;

/**
 * Everything a chaos run may kill or pause, all its own and all on loopback: a PostgreSQL server
 * (crashable), a Kafka broker (kill -9 and restart on the same data), two command services (each with
 * its own fault proxy to PostgreSQL, so that one can be cut off, stalled or lose a commit's reply),
 * query-service instances (one primary, replicas come and go) behind one fault proxy. The checker
 * reads PostgreSQL directly, never through a proxy.
 */
export class ChaosSystem {
  pg!: PostgresServer;
  /** The single broker (profiles short and full). */
  kafka!: KafkaBrokerProcess;
  /** The three-node cluster (profile cluster). */
  cluster?: KafkaCluster;
  queryProxy!: FaultProxy;
  readonly commands: CommandInstance[] = [];
  readonly queries: QueryInstance[] = [];
  token = '';
  private env: Record<string, string> = {};
  private readonly guard: OrphanGuard = startOrphanGuard();
  private readonly kafkaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-chaos-kafka-'));
  private replicaCounter = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly kafkaTopology: 'single' | 'cluster' = 'single',
  ) {
    this.guard.trackDir(this.kafkaDir);
  }

  /** Every Kafka node's address, comma-separated. */
  get brokers(): string {
    return this.cluster?.brokers ?? this.kafka.brokers;
  }

  kafkaCluster(): KafkaCluster {
    if (!this.cluster) throw new Error('this chaos run has a single Kafka broker, not a cluster');
    return this.cluster;
  }

  /**
   * The topics as the services would create them, before the services start, and until every node
   * answers metadata for them: a new topic reaches each node a moment after its creation, and a service
   * that asks a node which does not know it yet fails its start-up.
   */
  private async createClusterTopics(): Promise<void> {
    const settings = {
      ...kafkaSettingsFromEnv('chaos-setup', {
        KAFKA_BROKERS: this.brokers,
        KAFKA_TOPIC: TOPIC,
        KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      }),
    };
    const client = (brokers: string[]) =>
      new Kafka({ clientId: 'chaos-setup', brokers, logLevel: logLevel.NOTHING });
    await prepareTopics(client(settings.brokers), settings, {
      deadLetter: true,
      logger: { warn: () => undefined },
    });
    const deadline = Date.now() + 30_000;
    for (const broker of settings.brokers) {
      const admin = client([broker]).admin();
      await admin.connect();
      try {
        for (;;) {
          const known = await admin
            .fetchTopicMetadata({ topics: [TOPIC, deadLetterTopicOf(TOPIC)] })
            .then(() => true)
            .catch(() => false);
          if (known) break;
          if (Date.now() > deadline) throw new Error(`Kafka node ${broker} never learned of ${TOPIC}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await admin.disconnect();
      }
    }
  }

  /** A random partition of the event topic and the node that leads it now (admin metadata). */
  async partitionLeader(rng: SeededRandom): Promise<{ partition: number; leader: number }> {
    const admin = new Kafka({
      clientId: 'chaos-faults',
      brokers: this.brokers.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      const led = (topics[0]?.partitions ?? []).filter((p) => p.leader >= 0);
      if (led.length === 0) throw new Error(`no partition of ${TOPIC} has a leader`);
      const { partitionId, leader } = rng.pick(led);
      return { partition: partitionId, leader };
    } finally {
      await admin.disconnect();
    }
  }

  /** Direct URLs (no proxy) for the checker. */
  get writeDbUrl(): string {
    return this.pg.url('tally_write');
  }
  get readDbUrl(): string {
    return this.pg.url('tally_read');
  }
  /** What an operator's tools (dead letters, rebuild) run with: the services' settings, the databases directly. */
  operatorEnv(): Record<string, string> {
    return { ...this.env, WRITE_DATABASE_URL: this.writeDbUrl, READ_DATABASE_URL: this.readDbUrl };
  }

  commandEndpoints(): Endpoint[] {
    return this.commands.map((c) => ({ name: c.name, url: `http://127.0.0.1:${c.port}` }));
  }
  queryEndpoints(): Endpoint[] {
    return this.queries.map((q) => ({ name: q.name, url: `http://127.0.0.1:${q.port}` }));
  }
  commandUrls(): string[] {
    return this.commands.map((c) => `http://127.0.0.1:${c.port}`);
  }
  queryUrls(): string[] {
    return this.queries.map((q) => `http://127.0.0.1:${q.port}`);
  }

  async start(): Promise<void> {
    const started = Date.now();
    this.pg = await startPostgresServer();
    this.guard.trackPostgres(this.pg.dataDir);
    if (this.kafkaTopology === 'cluster') {
      this.cluster = await startCluster({ dataDir: this.kafkaDir, log: () => undefined });
      await this.createClusterTopics();
      this.log(
        `Kafka cluster of ${this.cluster.nodes.length} up in ${Math.round(this.cluster.startupMs)} ms, ` +
          `resident MB per node ${JSON.stringify(this.cluster.rssMb())}`,
      );
    } else {
      this.kafka = await startKafkaBroker({ dataDir: this.kafkaDir });
    }
    this.queryProxy = await new FaultProxy(this.pg.port).listen();
    const secret = randomBytes(32).toString('base64url');
    this.token = await mintLocalToken(authConfigFromEnv({ AUTH_HS256_SECRET: secret }), {
      subject: 'chaos-workload',
      scopes: ['tally:write', 'tally:read', 'tally:admin'],
      ttlSeconds: 4 * 3_600,
    });
    const viaProxy = (proxy: FaultProxy, db: string) => `postgres://postgres@127.0.0.1:${proxy.port}/${db}`;
    this.env = {
      AUTH_HS256_SECRET: secret,
      READ_DATABASE_URL: viaProxy(this.queryProxy, 'tally_read'),
      WRITE_DATABASE_POOL_SIZE: '16',
      READ_DATABASE_POOL_SIZE: '8',
      KAFKA_BROKERS: this.brokers,
      // On the cluster: 3 copies, an acknowledged write on at least 2, and nothing less accepted.
      ...(this.cluster
        ? {
            KAFKA_REPLICATION_FACTOR: '3',
            KAFKA_MIN_INSYNC_REPLICAS: '2',
            KAFKA_TOPIC_CONFIG_CHECK: 'refuse',
          }
        : {}),
      KAFKA_TOPIC: TOPIC,
      KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
      KAFKA_GROUP_ID: 'tally-chaos-query',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      COMMAND_DEADLINE_MS: String(COMMAND_DEADLINE_MS),
      // A read gives up on a stalled connection 2 s after its statement timeout: within the workload's
      // 10 s patience (the default 10 s timeout would answer a read on a stalled connection after 12 s).
      READ_DATABASE_STATEMENT_TIMEOUT_MS: '5000',
      RELAY_SWEEP_INTERVAL_MS: '500',
      TRANSFERS_SWEEP_INTERVAL_MS: '500',
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      LOG_REQUESTS: 'false',
      // Throttling is not what this run tests; one subject sends the whole workload.
      RATE_LIMIT_PER_SECOND: '0',
    };
    for (let i = 0; i < COMMAND_INSTANCES; i++) {
      const instance: CommandInstance = {
        name: `command-${i}`,
        port: await freePort(),
        proxy: await new FaultProxy(this.pg.port).listen(),
      };
      this.commands.push(instance);
      // One after the other: the first creates the databases and runs the migrations.
      await this.startCommand(instance);
    }
    this.queries.push({ name: 'query-0', port: await freePort() });
    await this.startQuery(this.queries[0]);
    this.log(
      `system up in ${Date.now() - started} ms: PostgreSQL :${this.pg.port}, Kafka ${this.brokers}, ` +
        `command ${this.commandUrls().join(' ')}, query ${this.queryUrls().join(' ')}`,
    );
  }

  async startCommand(instance: CommandInstance): Promise<void> {
    instance.process = await this.startProcess('command-service', instance.port, {
      WRITE_DATABASE_URL: `postgres://postgres@127.0.0.1:${instance.proxy.port}/tally_write`,
    });
  }

  async startQuery(instance: QueryInstance): Promise<void> {
    instance.process = await this.startProcess('query-service', instance.port);
  }

  async addReplica(): Promise<QueryInstance> {
    const instance: QueryInstance = { name: `replica-${++this.replicaCounter}`, port: await freePort() };
    await this.startQuery(instance);
    this.queries.push(instance);
    return instance;
  }

  async removeReplica(instance: QueryInstance): Promise<void> {
    this.queries.splice(this.queries.indexOf(instance), 1);
    await this.stopProcess(instance.process, 'SIGTERM');
  }

  async killCommand(instance: CommandInstance): Promise<void> {
    await this.stopProcess(instance.process, 'SIGKILL');
    instance.process = undefined;
  }

  async killQuery(instance: QueryInstance): Promise<void> {
    await this.stopProcess(instance.process, 'SIGKILL');
    instance.process = undefined;
  }

  /** Services that died without being killed by the run (a bug): restarted, and reported. */
  readonly crashes: { name: string; at: string; exit: string; output: string }[] = [];

  /** Restarts any service that exited on its own; returns how many it found. */
  async reviveCrashed(): Promise<number> {
    const exited = (p?: ServiceProcess) => !!p && (p.child.exitCode !== null || p.child.signalCode !== null);
    const record = (name: string, p: ServiceProcess) => {
      this.crashes.push({
        name,
        at: new Date().toISOString(),
        exit: String(p.child.exitCode ?? p.child.signalCode),
        output: p.output().split('\n').slice(-12).join('\n'),
      });
      this.log(`${name} EXITED on its own (${p.child.exitCode ?? p.child.signalCode}); restarting it`);
    };
    let found = 0;
    for (const instance of this.commands)
      if (exited(instance.process)) {
        record(instance.name, instance.process!);
        this.guard.untrackPid(instance.process!.child.pid);
        found++;
        await this.startCommand(instance);
      }
    for (const instance of this.queries)
      if (exited(instance.process)) {
        record(instance.name, instance.process!);
        this.guard.untrackPid(instance.process!.child.pid);
        found++;
        await this.startQuery(instance);
      }
    return found;
  }

  /** The last lines every service printed, for a failure message. */
  serviceOutput(): string {
    return [
      ...this.commands.map((c) => `--- ${c.name}\n${c.process?.output() ?? '(not running)'}`),
      ...this.queries.map((q) => `--- ${q.name}\n${q.process?.output() ?? '(not running)'}`),
    ].join('\n');
  }

  async stop(): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      [
        'command-services',
        () => Promise.all(this.commands.map((c) => this.stopProcess(c.process, 'SIGTERM'))),
      ],
      ['query-services', () => Promise.all(this.queries.map((q) => this.stopProcess(q.process, 'SIGTERM')))],
      [
        'proxies',
        () => Promise.all([...this.commands.map((c) => c.proxy.close()), this.queryProxy?.close()]),
      ],
      ['kafka', () => (this.cluster ?? this.kafka)?.stop() ?? Promise.resolve()],
      ['postgres', () => this.pg?.destroy() ?? Promise.resolve()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        this.log(`stopping ${name} failed: ${(error as Error).message}`);
      }
    }
    fs.rmSync(this.kafkaDir, { recursive: true, force: true });
    this.guard.release();
  }

  private async startProcess(
    name: ServiceName,
    port: number,
    env: Record<string, string> = {},
  ): Promise<ServiceProcess> {
    const service = await startService(name, { env: { ...this.env, ...env }, port, readyTimeoutMs: 90_000 });
    this.guard.trackPid(service.child.pid);
    return service;
  }

  private async stopProcess(service: ServiceProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (!service) return;
    await service.stop(signal);
    this.guard.untrackPid(service.child.pid);
  }
}
