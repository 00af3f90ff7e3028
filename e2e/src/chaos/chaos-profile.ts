import { CLUSTER_FAULT_KINDS, FAULT_KINDS, PRODUCTION_FAULT_KINDS, type FaultKind } from './fault-injector';

/**
 * How big a chaos run is. `short` runs inside `npm test`; `full` is `npm run chaos` (the acceptance run);
 * `cluster` (`npm run chaos -- --profile cluster`) runs on a three-node Kafka cluster and breaks Kafka nodes.
 */
export interface ChaosProfile {
  name: 'short' | 'full' | 'cluster';
  /** One broker, or three nodes with replication 3 and min.insync.replicas 2 (writes with acks=all). */
  kafka: 'single' | 'cluster';
  /** What this run injects. */
  faultKinds: readonly FaultKind[];
  /** Concurrent writing clients. */
  clients: number;
  /** The workload stops issuing new commands once this many were attempted (and faults are done). */
  minCommands: number;
  /** Each fault kind is injected at least this many times... */
  faultsPerKind: number;
  /** ...except these (the slow ones: a pause lasts up to 15 s, a long transaction 30 s). */
  perKind?: Partial<Record<FaultKind, number>>;
  /**
   * Hard limit for the whole fault/workload phase; the run fails its targets rather than overrun. A run
   * ends as soon as its targets are met, so a generous limit costs only on a slow (shared) machine.
   */
  maxWorkloadMs: number;
  /** Quiet time between two faults (random in this range): the workload runs undisturbed. */
  gapMs: [number, number];
  /** How long a dependency stays down (random in this range). */
  outageMs: [number, number];
  /** How long a paused process stays frozen (SIGSTOP until SIGCONT). */
  pauseMs: [number, number];
  /** How long a stalled connection forwards nothing: past the command deadline + 1 s. */
  stallMs: [number, number];
  /** Accounts each client opens before its random mix starts. */
  accountsPerClient: number;
}

/** In the full run: the pauses (up to 15 s each) and the 30 s long transaction, fewer times. */
const SLOW_FAULTS: Partial<Record<FaultKind, number>> = {
  'relay-leader-pause': 4,
  'transfer-leader-pause': 4,
  'query-replica-pause': 3,
  'kafka-pause': 3,
  'postgres-pause': 4,
  'write-db-stall': 5,
  'read-db-stall': 3,
  'long-transaction': 2,
  'operator-redrive': 3,
  'operator-rebuild': 2,
  'operator-adjustment': 3,
};

/**
 * The faults of issue 18 the short profile (in `npm test`) injects once each: the ones the services pass
 * today, and cheap enough for every test run (a pause of a leader, a stall, a lost commit reply, a long
 * transaction, an adjustment). The full and cluster profiles inject every kind.
 */
const SHORT_PRODUCTION_FAULTS: FaultKind[] = [
  'transfer-leader-pause',
  'postgres-pause',
  'write-db-stall',
  'ambiguous-commit',
  'long-transaction',
  'operator-adjustment',
];

const profiles: Record<ChaosProfile['name'], ChaosProfile> = {
  short: {
    name: 'short',
    kafka: 'single',
    faultKinds: [...FAULT_KINDS, ...SHORT_PRODUCTION_FAULTS],
    clients: 6,
    minCommands: 1_500,
    faultsPerKind: 1,
    maxWorkloadMs: 300_000,
    gapMs: [300, 800],
    outageMs: [1_500, 2_500],
    pauseMs: [2_000, 3_000],
    stallMs: [6_500, 7_000],
    accountsPerClient: 3,
  },
  full: {
    name: 'full',
    kafka: 'single',
    faultKinds: [...FAULT_KINDS, ...PRODUCTION_FAULT_KINDS],
    clients: 10,
    minCommands: 20_000,
    faultsPerKind: 10,
    perKind: SLOW_FAULTS,
    maxWorkloadMs: 16 * 60_000,
    gapMs: [300, 1_200],
    outageMs: [1_500, 3_000],
    pauseMs: [2_000, 15_000],
    stallMs: [6_500, 12_000],
    accountsPerClient: 4,
  },
  cluster: {
    name: 'cluster',
    kafka: 'cluster',
    faultKinds: [...CLUSTER_FAULT_KINDS, ...PRODUCTION_FAULT_KINDS],
    clients: 6,
    minCommands: 3_000,
    faultsPerKind: 3,
    perKind: { 'long-transaction': 1, 'operator-rebuild': 1 },
    maxWorkloadMs: 8 * 60_000,
    gapMs: [1_000, 3_000],
    // Longer than the cluster's 6 s broker session timeout, so that a dead or cut-off node is fenced and
    // its partitions get new leaders while it is away.
    outageMs: [7_000, 10_000],
    pauseMs: [2_000, 15_000],
    stallMs: [6_500, 12_000],
    accountsPerClient: 3,
  },
};

export function chaosProfile(name = process.env.CHAOS_PROFILE ?? 'short'): ChaosProfile {
  const profile = profiles[name as ChaosProfile['name']];
  if (!profile) throw new Error(`CHAOS_PROFILE must be one of ${Object.keys(profiles).join(', ')}`);
  const overrides = {
    minCommands: process.env.CHAOS_COMMANDS,
    faultsPerKind: process.env.CHAOS_FAULTS_PER_KIND,
    clients: process.env.CHAOS_CLIENTS,
  };
  const result = { ...profile };
  for (const [key, value] of Object.entries(overrides))
    if (value !== undefined) (result as Record<string, unknown>)[key] = Number(value);
  // One count for every kind, as asked.
  if (overrides.faultsPerKind !== undefined) delete result.perKind;
  const kinds = process.env.CHAOS_FAULT_KINDS;
  if (kinds) {
    const known = new Set<string>([...FAULT_KINDS, ...CLUSTER_FAULT_KINDS, ...PRODUCTION_FAULT_KINDS]);
    const chosen = kinds.split(',').map((k) => k.trim());
    const unknown = chosen.filter((k) => !known.has(k));
    if (unknown.length > 0) throw new Error(`CHAOS_FAULT_KINDS: no fault kind ${unknown.join(', ')}`);
    result.faultKinds = chosen as FaultKind[];
  }
  return result;
}
