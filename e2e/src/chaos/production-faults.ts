import type { SeededRandom } from '@tally/testing';
import type { ChaosSystem, CommandInstance } from './chaos-system';
import { StatementFailures, openLongTransaction } from './database-faults';
import { LEADER_LOCKS, leaderOf } from './leaders';
import { OperatorActions } from './operator-actions';
import { ProcessPauses, postgresPids } from './process-pauses';
import { sleep, type Workload } from './workload';

/**
 * The faults production has beyond crashes and cut connections (issue 18): processes frozen with SIGSTOP
 * (a long GC, a frozen VM), connections that stay open and forward nothing, statements failing inside a
 * transaction, a commit whose reply is lost, a long transaction elsewhere on the server, and operators
 * acting while the system runs.
 */
export const PAUSE_FAULT_KINDS = [
  'relay-leader-pause',
  'transfer-leader-pause',
  'query-replica-pause',
  'kafka-pause',
  'postgres-pause',
] as const;
export const DATABASE_FAULT_KINDS = [
  'write-db-stall',
  'read-db-stall',
  'statement-failure',
  'ambiguous-commit',
  'long-transaction',
] as const;
export const OPERATOR_ACTION_KINDS = ['operator-redrive', 'operator-rebuild', 'operator-adjustment'] as const;
export const PRODUCTION_FAULT_KINDS = [
  ...PAUSE_FAULT_KINDS,
  ...DATABASE_FAULT_KINDS,
  ...OPERATOR_ACTION_KINDS,
] as const;
export type ProductionFaultKind = (typeof PRODUCTION_FAULT_KINDS)[number];

/** How long the long transaction holds its transaction id. */
const LONG_TRANSACTION_MS = 30_000;

/** How long each kind of fault lasts, drawn from these ranges (ms) by the run's seed. */
export interface FaultDurations {
  outageMs: [number, number];
  /** How long a process stays frozen (pause faults). */
  pauseMs: [number, number];
  /** How long a connection stays stalled. */
  stallMs: [number, number];
}

/** Injects the faults of the list above, one at a time; FaultInjector measures the recovery after each. */
export class ProductionFaults {
  private readonly pauses = new ProcessPauses();
  private readonly operator: OperatorActions;
  private statementFailures?: StatementFailures;
  /** Faults that outlast their injection (the long transaction). */
  private readonly background: Promise<void>[] = [];

  constructor(
    private readonly system: ChaosSystem,
    private readonly workload: Workload,
    private readonly rng: SeededRandom,
    private readonly settings: FaultDurations,
  ) {
    this.operator = new OperatorActions(system);
  }

  /** Waits for the faults still running in the background to end. */
  async settle(): Promise<void> {
    await Promise.all(this.background);
  }

  /** Thaws anything a pause left frozen (a run stopped half-way through one). */
  resumeAll(): void {
    this.pauses.resumeAll();
  }

  /** Injects one fault and lifts it again; returns what was hit. */
  async inject(kind: ProductionFaultKind): Promise<string> {
    const { system, rng } = this;
    const pause = () => rng.int(...this.settings.pauseMs);
    const history = this.workload.history;
    switch (kind) {
      case 'relay-leader-pause':
      case 'transfer-leader-pause': {
        const lock = kind === 'relay-leader-pause' ? LEADER_LOCKS.relay : LEADER_LOCKS.transfers;
        const leader = await leaderOf(system.writeDbUrl, lock, system.commands);
        const instance = leader ?? rng.pick(system.commands);
        return `${instance.name}${leader ? ` (${lock} leader)` : ' (no leader found)'}, ${await this.pauseCommand(instance, pause())} ms`;
      }
      case 'query-replica-pause': {
        const instance =
          system.queries.length > 1 ? rng.pick(system.queries.slice(1)) : await system.addReplica();
        const ms = pause();
        const resumed = history.paused(instance.name);
        await this.pauses.pause([instance.process!.child.pid!], ms).finally(resumed);
        return `${instance.name}, ${ms} ms`;
      }
      case 'kafka-pause': {
        const { pid, name } = system.cluster
          ? await system.partitionLeader(rng).then(({ leader }) => ({
              pid: system.kafkaCluster().pid(leader),
              name: `kafka node ${leader}`,
            }))
          : { pid: system.kafka.pid, name: 'kafka' };
        if (pid === undefined) throw new Error(`${name} is not running`);
        const ms = pause();
        await this.pauses.pause([pid], ms);
        return `${name}, ${ms} ms`;
      }
      case 'postgres-pause': {
        const pids = postgresPids(system.pg.dataDir);
        const ms = pause();
        await this.pauses.pause(pids, ms);
        return `postgresql (${pids.length} processes), ${ms} ms`;
      }
      case 'write-db-stall':
      case 'read-db-stall': {
        const [name, proxy] =
          kind === 'write-db-stall'
            ? ((instance) => [`${instance.name} → postgresql`, instance.proxy] as const)(
                rng.pick(system.commands),
              )
            : (['query-services → postgresql', system.queryProxy] as const);
        const ms = rng.int(...this.settings.stallMs);
        proxy.mode = 'stall';
        await sleep(ms).finally(() => (proxy.mode = 'pass'));
        return `${name}, ${ms} ms`;
      }
      case 'statement-failure': {
        this.statementFailures ??= new StatementFailures(system.writeDbUrl);
        await this.statementFailures.install();
        const share = rng.int(5, 30) / 100;
        const ms = rng.int(...this.settings.outageMs);
        await this.statementFailures.setShare(share);
        await sleep(ms).finally(() => this.statementFailures!.setShare(0));
        return `snapshots, idempotency keys, transfer steps: ${Math.round(share * 100)} % failing for ${ms} ms`;
      }
      case 'ambiguous-commit': {
        const instance = rng.pick(system.commands);
        const before = instance.proxy.droppedCommitReplies;
        const wanted = rng.int(1, 3);
        instance.proxy.dropCommitReplies(wanted);
        const until = Date.now() + 10_000;
        while (instance.proxy.droppedCommitReplies - before < wanted && Date.now() < until) await sleep(50);
        instance.proxy.dropCommitReplies(0);
        return `${instance.name} → postgresql, ${instance.proxy.droppedCommitReplies - before} of ${wanted} commit replies dropped`;
      }
      case 'long-transaction': {
        // Left open while the run goes on: the recovery measured next is a write made visible on every
        // query instance while it is open (publication must not wait for it), and other faults follow.
        const { ended } = await openLongTransaction(
          (database) => system.pg.url(database),
          LONG_TRANSACTION_MS,
        );
        this.background.push(ended);
        return `another database, open ${LONG_TRANSACTION_MS} ms (recovery measured while open)`;
      }
      case 'operator-redrive': {
        const idle = await this.workload.probeOpen();
        if (idle.outcome !== 'acknowledged') throw new Error(`opening an account failed (${idle.status})`);
        return this.operator.redrivePoisonedMessage(idle.accountId!);
      }
      case 'operator-rebuild':
        return this.operator.rebuild();
      case 'operator-adjustment': {
        // Through the command service like any command (tally:admin), retried with its Idempotency-Key.
        const account = rng.pick(this.workload.accounts);
        const amount = rng.chance(0.5) ? rng.int(1, 5_000) : -rng.int(1, 500);
        const command = await this.workload.adjust(account, amount, 'chaos: an operator corrects a balance');
        return `${account.accountId} by ${amount}: ${command.outcome} (${command.status}${command.code ? ` ${command.code}` : ''})`;
      }
    }
  }

  /** Freezes a command service: its requests go unanswered meanwhile (they are not late: it is frozen). */
  private async pauseCommand(instance: CommandInstance, ms: number): Promise<number> {
    const resumed = this.workload.history.paused(instance.name);
    await this.pauses.pause([instance.process!.child.pid!], ms).finally(resumed);
    return ms;
  }
}
