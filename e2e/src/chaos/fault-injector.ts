import type { SeededRandom } from '@tally/testing';
import type { ChaosSystem, QueryInstance } from './chaos-system';
import { httpRequest } from './http-stats';
import {
  PRODUCTION_FAULT_KINDS,
  ProductionFaults,
  type FaultDurations,
  type ProductionFaultKind,
} from './production-faults';
import { sleep, type Workload } from './workload';

export { PRODUCTION_FAULT_KINDS };

export const FAULT_KINDS = [
  'postgres-crash',
  'kafka-kill',
  'command-service-kill',
  'query-service-kill',
  'query-replica-add',
  'query-replica-remove',
  'query-db-cutoff',
] as const;
/**
 * On the three-node Kafka cluster: kill -9 the leader of a partition of the event topic (restarted after
 * the outage), or cut one node off from the other two (clients still reach it) and heal it after the outage.
 */
export const CLUSTER_FAULT_KINDS = ['kafka-leader-kill', 'kafka-broker-cutoff'] as const;
export type FaultKind =
  (typeof FAULT_KINDS)[number] | (typeof CLUSTER_FAULT_KINDS)[number] | ProductionFaultKind;

/** Faults after which readiness must have gone red while the dependency was away. */
const DEPENDENCY_FAULTS: FaultKind[] = ['postgres-crash', 'kafka-kill', 'query-db-cutoff'];

export interface FaultRecord {
  kind: FaultKind;
  target: string;
  /** Since the start of the workload. */
  atMs: number;
  /** From injection until the fault was lifted (dependency back, process restarted). */
  downMs: number;
  /** From lifting the fault until every instance is ready and a probe write is visible on each replica. */
  recoverMs: number;
  recovered: boolean;
  /** For dependency faults: did readiness turn red on the affected services during the outage? */
  readinessWentRed?: boolean;
  /** For dependency faults: what a write and a read answered during the outage. */
  duringOutage?: { write?: number; read?: number; writeMs?: number; readMs?: number };
  error?: string;
}

const MAX_REPLICAS = 2;
const RECOVERY_TIMEOUT_MS = 120_000;

/**
 * Injects faults one at a time at random moments (seeded), and measures how long the system takes
 * to recover from each: every instance ready again, and a fresh write visible on every replica.
 */
export class FaultInjector {
  readonly faults: FaultRecord[] = [];
  private readonly startedAt = Date.now();
  private readonly production: ProductionFaults;

  constructor(
    private readonly system: ChaosSystem,
    private readonly workload: Workload,
    private readonly rng: SeededRandom,
    private readonly settings: FaultDurations & {
      log: (line: string) => void;
      kinds: readonly FaultKind[];
      /** Targets for some kinds that differ from the profile's faults per kind. */
      perKind?: Partial<Record<FaultKind, number>>;
    },
  ) {
    this.production = new ProductionFaults(system, workload, rng, settings);
  }

  count(kind: FaultKind): number {
    return this.faults.filter((f) => f.kind === kind).length;
  }

  /** How many of `kind` the run injects. */
  target(kind: FaultKind, perKind: number): number {
    return this.settings.perKind?.[kind] ?? perKind;
  }

  /** Waits for faults that outlast their injection (a long transaction) to end. */
  settle(): Promise<void> {
    return this.production.settle();
  }

  /** Thaws anything a pause left frozen (a run stopped half-way through one). */
  resumeAll(): void {
    this.production.resumeAll();
  }

  /** The next kind to inject: a random one still below target, respecting the replica bounds. */
  nextKind(target: number): FaultKind | undefined {
    const replicas = this.system.queries.length - 1;
    const candidates = this.settings.kinds.filter(
      (kind) =>
        this.count(kind) < this.target(kind, target) &&
        !(kind === 'query-replica-add' && replicas >= MAX_REPLICAS) &&
        !(kind === 'query-replica-remove' && replicas === 0),
    );
    if (candidates.length > 0) return this.rng.pick(candidates);
    // Only removals left but no replica to remove (or the reverse): make one first.
    if (
      this.settings.kinds.includes('query-replica-remove') &&
      this.count('query-replica-remove') < this.target('query-replica-remove', target)
    )
      return 'query-replica-add';
    return undefined;
  }

  async inject(kind: FaultKind): Promise<FaultRecord> {
    const { system } = this;
    const record: FaultRecord = {
      kind,
      target: '',
      atMs: Date.now() - this.startedAt,
      downMs: 0,
      recoverMs: 0,
      recovered: false,
    };
    this.faults.push(record);
    const injected = Date.now();
    const outage = () => this.rng.int(...this.settings.outageMs);
    try {
      switch (kind) {
        case 'postgres-crash': {
          record.target = 'postgresql';
          await system.pg.stop('immediate');
          await this.observeOutage(record, outage(), [...system.commandUrls(), ...system.queryUrls()]);
          await system.pg.start();
          break;
        }
        case 'kafka-kill': {
          record.target = 'kafka';
          await system.kafka.kill();
          await this.observeOutage(record, outage(), [...system.commandUrls(), ...system.queryUrls()], false);
          await system.kafka.restart();
          break;
        }
        case 'command-service-kill': {
          const instance = this.rng.pick(system.commands);
          record.target = instance.name;
          await system.killCommand(instance);
          await sleep(this.rng.int(0, 1_000));
          await system.startCommand(instance);
          break;
        }
        case 'query-service-kill': {
          const instance = this.rng.pick(system.queries);
          record.target = instance.name;
          await system.killQuery(instance);
          await sleep(this.rng.int(0, 1_000));
          await system.startQuery(instance);
          break;
        }
        case 'query-replica-add': {
          record.target = (await system.addReplica()).name;
          break;
        }
        case 'query-replica-remove': {
          const instance: QueryInstance = this.rng.pick(system.queries.slice(1));
          record.target = instance.name;
          await system.removeReplica(instance);
          break;
        }
        case 'kafka-leader-kill': {
          const cluster = system.kafkaCluster();
          const { partition, leader } = await system.partitionLeader(this.rng);
          record.target = `kafka node ${leader} (leader of partition ${partition})`;
          await cluster.kill(leader);
          await sleep(outage());
          await cluster.restart(leader);
          break;
        }
        case 'kafka-broker-cutoff': {
          const cluster = system.kafkaCluster();
          const { partition, leader } = await system.partitionLeader(this.rng);
          record.target = `kafka node ${leader} (leader of partition ${partition}) cut off`;
          cluster.isolate(leader);
          await sleep(outage());
          cluster.heal(leader);
          break;
        }
        case 'query-db-cutoff': {
          record.target = 'query-service → postgresql';
          system.queryProxy.mode = 'refuse';
          system.queryProxy.cut();
          await this.observeOutage(record, outage(), system.queryUrls());
          system.queryProxy.mode = 'pass';
          break;
        }
        default:
          record.target = await this.production.inject(kind as ProductionFaultKind);
      }
    } catch (error) {
      record.error = `injecting: ${(error as Error).message}`;
    }
    const lifted = Date.now();
    record.downMs = lifted - injected;
    try {
      await this.waitUntilRecovered();
      record.recovered = true;
    } catch (error) {
      record.error = `${record.error ?? ''} recovering: ${(error as Error).message}`.trim();
    }
    record.recoverMs = Date.now() - lifted;
    this.settings.log(
      `fault ${String(this.faults.length).padStart(3)} ${kind.padEnd(21)} ${record.target.padEnd(27)} ` +
        `down ${record.downMs} ms, recovered in ${record.recoverMs} ms` +
        (record.readinessWentRed === undefined ? '' : `, readiness red: ${record.readinessWentRed}`) +
        (record.duringOutage ? `, during outage ${JSON.stringify(record.duringOutage)}` : '') +
        (record.error ? ` ERROR ${record.error}` : ''),
    );
    return record;
  }

  /**
   * Holds the outage for `ms` while polling the readiness of the affected instances, and (for
   * PostgreSQL outages) sends one write and one read to see how they are refused.
   */
  private async observeOutage(record: FaultRecord, ms: number, affected: string[], probeRequests = true) {
    const { system } = this;
    const until = Date.now() + ms;
    const red = new Set<string>();
    const probes = probeRequests ? this.outageRequests(record, affected) : Promise.resolve();
    while (Date.now() < until) {
      await Promise.all(
        affected.map(async (url) => {
          const ready = await httpRequest('GET', `${url}/health/ready`, {
            token: system.token,
            timeoutMs: 5_000,
          });
          if (ready.status !== 200) red.add(url);
        }),
      );
      await sleep(200);
    }
    await probes;
    if (DEPENDENCY_FAULTS.includes(record.kind))
      record.readinessWentRed = affected.every((url) => red.has(url));
  }

  private async outageRequests(record: FaultRecord, affected: string[]): Promise<void> {
    await sleep(300);
    const { system } = this;
    record.duringOutage = {};
    const reads = affected.filter((url) => !system.commandUrls().includes(url));
    const account = this.workload.accounts[0];
    const jobs: Promise<void>[] = [];
    if (affected.some((url) => system.commandUrls().includes(url)))
      jobs.push(
        this.workload.probeOpen(1).then((probe) => {
          record.duringOutage!.write = probe.status;
        }),
      );
    if (reads.length > 0 && account)
      jobs.push(
        httpRequest('GET', `${reads[0]}/accounts/${account.accountId}`, { token: system.token }).then(
          (read) => {
            this.workload.readStats.record('GET /accounts/:id (outage probe)', read);
            record.duringOutage!.read = read.status;
            record.duringOutage!.readMs = Math.round(read.ms);
          },
        ),
      );
    await Promise.all(jobs);
  }

  /** Every instance ready, then a probe write acknowledged and visible on every query instance. */
  async waitUntilRecovered(): Promise<void> {
    const { system } = this;
    const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
    const ready = async (url: string) =>
      (await httpRequest('GET', `${url}/health/ready`, { token: system.token, timeoutMs: 5_000 })).status ===
      200;
    for (;;) {
      await system.reviveCrashed();
      const urls = [...system.commandUrls(), ...system.queryUrls()];
      if ((await Promise.all(urls.map(ready))).every(Boolean)) break;
      if (Date.now() > deadline) throw new Error('not ready in time');
      await sleep(100);
    }
    const probe = await this.workload.probeOpen();
    if (probe.outcome !== 'acknowledged') throw new Error(`probe write ${probe.outcome} (${probe.status})`);
    for (const url of system.queryUrls()) {
      for (;;) {
        const read = await httpRequest('GET', `${url}/accounts/${probe.accountId}`, { token: system.token });
        if (read.status === 200) break;
        if (Date.now() > deadline) throw new Error(`probe not visible on ${url} (last ${read.status})`);
        await sleep(100);
      }
    }
  }
}
