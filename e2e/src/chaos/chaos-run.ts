import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '@tally/testing';
import { COMMAND_DEADLINE_MS, ChaosSystem, TOPIC } from './chaos-system';
import { Checker, type CheckFigures } from './checker';
import type { ChaosProfile } from './chaos-profile';
import { FaultInjector, type FaultRecord } from './fault-injector';
import { KafkaAckProbe, type AckProbeFigures } from './kafka-ack-probe';
import { REQUEST_TIMEOUT_MS } from './http-stats';
import type { RequestRecord } from './request-history';
import { sleep, Workload } from './workload';

export interface ChaosResults {
  profile: ChaosProfile;
  seed: number;
  startedAt: string;
  durationMs: number;
  workloadMs: number;
  drain: { drained: boolean; ms: number; lagging: number; inFlight: number };
  /** Every figure here must be 0. */
  mustBeZero: CheckFigures & {
    http500Responses: number;
    /** Commands answered later than the services' deadline + 1 s, or not at all (their instance not paused). */
    answersLaterThanDeadline: number;
    /** Reads not answered within the client's timeout (their instance not paused). */
    readsNotAnswered: number;
    faultsNotRecovered: number;
    dependencyFaultsWithReadinessGreen: number;
    outageRequestsNotAnswered503: number;
    serviceProcessesCrashed: number;
  };
  commands: {
    attempted: number;
    acknowledged: number;
    rejectedWithClearError: number;
    rejectedByCode: Record<string, number>;
    failedAfterRetries: number;
    retried: number;
    retryAttempts: number;
    replayedAcknowledgements: number;
    byKind: Record<string, number>;
    /** Attempts whose answer left the outcome unknown, and how the retries with the same key resolved them. */
    unknownOutcomes: unknown;
  };
  http: { documentedTimeoutMs: number; commandDeadlineMs: number; write: unknown; read: unknown };
  faults: {
    total: number;
    byKind: Record<string, { count: number; recoverMs: { min: number; median: number; max: number } }>;
    list: FaultRecord[];
  };
  targets: { commands: boolean; faultsPerKind: boolean };
  /** The cluster profile: how long writes stopped while Kafka nodes died or were cut off. */
  kafkaCluster?: {
    startupMs: number;
    residentMbPerNode: Record<number, number>;
    /** acks=all writes of an independent producer to a topic with 3 copies, min ISR 2. */
    ackProbe: AckProbeFigures;
    /** The longest time without an acknowledged command (HTTP) during the workload. */
    longestGapBetweenAcknowledgedCommandsMs: number;
  };
  checks: Record<string, unknown>;
  ok: boolean;
}

const resultsDir = path.resolve(__dirname, '../../../tmp/chaos');

/**
 * One chaos run: start the system, run the workload while injecting faults, drain, check, report.
 * Everything started is stopped in `finally`, whatever happened.
 */
export async function runChaos(profile: ChaosProfile, log: (line: string) => void): Promise<ChaosResults> {
  const seed = Number(process.env.CHAOS_SEED ?? randomBytes(4).readUInt32LE(0));
  const rng = seededRandom(seed);
  const started = Date.now();
  log(`chaos profile ${profile.name}, seed ${seed} (CHAOS_SEED=${seed} replays the choices)`);
  const system = new ChaosSystem(log, profile.kafka);
  let thaw = () => undefined as void;
  try {
    await system.start();
    const workload = new Workload({
      commandEndpoints: () => system.commandEndpoints(),
      queryEndpoints: () => system.queryEndpoints(),
      token: system.token,
      rng,
      clients: profile.clients,
      accountsPerClient: profile.accountsPerClient,
      runId: `chaos${seed.toString(36)}`,
    });
    const injector = new FaultInjector(system, workload, rng, {
      outageMs: profile.outageMs,
      pauseMs: profile.pauseMs,
      stallMs: profile.stallMs,
      log,
      kinds: profile.faultKinds,
      perKind: profile.perKind,
    });
    thaw = () => injector.resumeAll();
    const probe = system.cluster ? new KafkaAckProbe(system.brokers) : undefined;
    await probe?.start();
    const clusterStart = system.cluster && {
      startupMs: Math.round(system.cluster.startupMs),
      residentMbPerNode: system.cluster.rssMb(),
    };
    const workloadStarted = Date.now();
    workload.start();
    const deadline = workloadStarted + profile.maxWorkloadMs;
    let lastReport = Date.now();
    for (;;) {
      if (Date.now() > deadline) {
        log('workload time limit reached');
        break;
      }
      const kind = injector.nextKind(profile.faultsPerKind);
      if (kind === undefined && workload.attempted >= profile.minCommands) break;
      await sleep(rng.int(...profile.gapMs));
      await system.reviveCrashed();
      if (kind) await injector.inject(kind);
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        log(`… ${workload.attempted} commands attempted, ${injector.faults.length} faults injected`);
      }
    }
    log(`stopping the workload (${workload.attempted} commands attempted)`);
    await workload.stop();
    await injector.settle();
    const ackProbe = await probe?.stop();
    await system.reviveCrashed();
    const workloadMs = Date.now() - workloadStarted;
    const kafkaCluster =
      clusterStart && ackProbe
        ? {
            ...clusterStart,
            ackProbe,
            longestGapBetweenAcknowledgedCommandsMs: longestGap(
              workload.commands.flatMap((c) => (c.client >= 0 && c.acknowledgedAt ? [c.acknowledgedAt] : [])),
              workloadStarted,
            ),
          }
        : undefined;
    if (kafkaCluster) log(`Kafka cluster figures: ${JSON.stringify(kafkaCluster)}`);

    const checker = new Checker({
      writeDbUrl: system.writeDbUrl,
      readDbUrl: system.readDbUrl,
      brokers: system.brokers,
      topic: TOPIC,
      log,
    });
    const drain = await checker.waitForDrain(180_000);
    log(`drained: ${JSON.stringify(drain)}`);
    const report = await checker.check(workload.commands, workload.history);
    const results = summarise({
      profile,
      seed,
      started,
      workloadStarted,
      workloadMs,
      drain,
      workload,
      faults: injector.faults,
      figures: report.figures,
      checks: report.details,
      crashes: system.crashes,
      kafkaCluster,
    });
    if (!results.ok) log(`service output at the end:\n${system.serviceOutput()}`);
    return results;
  } finally {
    thaw();
    await system.stop();
  }
}

function summarise(input: {
  profile: ChaosProfile;
  seed: number;
  started: number;
  /** When the workload (and the faults' clock, FaultRecord.atMs) started. */
  workloadStarted: number;
  workloadMs: number;
  drain: ChaosResults['drain'];
  workload: Workload;
  faults: FaultRecord[];
  figures: CheckFigures;
  checks: Record<string, unknown>;
  crashes: ChaosSystem['crashes'];
  kafkaCluster: ChaosResults['kafkaCluster'];
}): ChaosResults {
  const { profile, workload, faults } = input;
  const commands = workload.commands.filter((c) => c.client >= 0);
  const count = (predicate: (c: (typeof commands)[number]) => boolean) => commands.filter(predicate).length;
  const rejectedByCode: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  for (const c of commands) {
    byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    if (c.outcome === 'rejected')
      rejectedByCode[`${c.status} ${c.code}`] = (rejectedByCode[`${c.status} ${c.code}`] ?? 0) + 1;
  }
  const write = workload.writeStats.summary();
  const read = workload.readStats.summary();
  const byFaultKind: ChaosResults['faults']['byKind'] = {};
  for (const kind of profile.faultKinds) {
    const times = faults
      .filter((f) => f.kind === kind)
      .map((f) => f.recoverMs)
      .sort((a, b) => a - b);
    byFaultKind[kind] = {
      count: times.length,
      recoverMs: {
        min: times[0] ?? 0,
        median: times[Math.floor(times.length / 2)] ?? 0,
        max: times[times.length - 1] ?? 0,
      },
    };
  }
  const dependencyFaults = faults.filter((f) => f.readinessWentRed !== undefined);
  const outageAnswers = faults.flatMap((f) =>
    f.duringOutage ? [f.duringOutage.write, f.duringOutage.read].filter((s) => s !== undefined) : [],
  );
  const mustBeZero = {
    ...input.figures,
    http500Responses:
      write.serverErrors500 + read.serverErrors500 + write.otherServerErrors + read.otherServerErrors,
    answersLaterThanDeadline: workload.history.late('POST', COMMAND_DEADLINE_MS + 1_000).length,
    readsNotAnswered: workload.history.late('GET', REQUEST_TIMEOUT_MS).length,
    faultsNotRecovered: faults.filter((f) => !f.recovered).length,
    dependencyFaultsWithReadinessGreen: dependencyFaults.filter((f) => !f.readinessWentRed).length,
    outageRequestsNotAnswered503: outageAnswers.filter((s) => s !== 503).length,
    serviceProcessesCrashed: input.crashes.length,
  };
  const targets = {
    commands: commands.length >= profile.minCommands,
    faultsPerKind: profile.faultKinds.every(
      (kind) => byFaultKind[kind].count >= (profile.perKind?.[kind] ?? profile.faultsPerKind),
    ),
  };
  return {
    profile,
    seed: input.seed,
    startedAt: new Date(input.started).toISOString(),
    durationMs: Date.now() - input.started,
    workloadMs: input.workloadMs,
    drain: input.drain,
    mustBeZero,
    commands: {
      attempted: commands.length,
      acknowledged: count((c) => c.outcome === 'acknowledged'),
      rejectedWithClearError: count((c) => c.outcome === 'rejected'),
      rejectedByCode,
      failedAfterRetries: count((c) => c.outcome === 'failed'),
      retried: count((c) => c.attempts > 1),
      retryAttempts: commands.reduce((sum, c) => sum + c.attempts - 1, 0),
      replayedAcknowledgements: count((c) => c.replayed === true),
      byKind,
      unknownOutcomes: input.checks.unknownOutcomes,
    },
    http: { documentedTimeoutMs: REQUEST_TIMEOUT_MS, commandDeadlineMs: COMMAND_DEADLINE_MS, write, read },
    faults: { total: faults.length, byKind: byFaultKind, list: faults },
    targets,
    ...(input.kafkaCluster ? { kafkaCluster: input.kafkaCluster } : {}),
    checks: {
      ...input.checks,
      crashes: input.crashes,
      requestSamples: requestSamples(workload, input.workloadStarted),
    },
    ok:
      input.drain.drained &&
      Object.values(mustBeZero).every((v) => v === 0) &&
      targets.commands &&
      targets.faultsPerKind,
  };
}

/** Writes the results (tmp/chaos/<profile>.json and latest.json) and returns the human summary. */
export function writeResults(results: ChaosResults): { file: string; text: string } {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${results.profile.name}.json`);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), json);
  const c = results.commands;
  const lines = [
    `Chaos run (${results.profile.name}, seed ${results.seed}): ${results.ok ? 'PASSED' : 'FAILED'} in ${(results.durationMs / 1000).toFixed(0)} s`,
    '',
    'must be 0:',
    ...Object.entries(results.mustBeZero).map(([k, v]) => `  ${v === 0 ? '✔' : '✖'} ${k.padEnd(36)} ${v}`),
    '',
    `commands: attempted ${c.attempted}, acknowledged ${c.acknowledged}, failed with a clear error ${c.rejectedWithClearError}, ` +
      `failed after retries ${c.failedAfterRetries}, retried ${c.retried} (${c.retryAttempts} retries, ${c.replayedAcknowledgements} replayed)`,
    `  clear errors: ${
      Object.entries(c.rejectedByCode)
        .map(([k, v]) => `${k} × ${v}`)
        .join(', ') || 'none'
    }`,
    `  unknown outcomes: ${unknownLine(c.unknownOutcomes)}`,
    `  by kind: ${Object.entries(c.byKind)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `http (timeout ${results.http.documentedTimeoutMs} ms): write ${JSON.stringify(pick(results.http.write))}`,
    `  read ${JSON.stringify(pick(results.http.read))}`,
    '',
    `faults: ${results.faults.total} (time to recover: min / median / max ms)`,
    ...Object.entries(results.faults.byKind).map(
      ([k, v]) =>
        `  ${k.padEnd(22)} × ${String(v.count).padStart(2)}   ${v.recoverMs.min} / ${v.recoverMs.median} / ${v.recoverMs.max}`,
    ),
    ...(results.kafkaCluster
      ? [
          `kafka cluster: 3 nodes up in ${results.kafkaCluster.startupMs} ms, resident MB ${JSON.stringify(results.kafkaCluster.residentMbPerNode)}`,
          `  longest time without an acknowledged Kafka write (acks=all, min ISR 2): ${results.kafkaCluster.ackProbe.longestGapMs} ms ` +
            `(probe: ${results.kafkaCluster.ackProbe.acknowledged} of ${results.kafkaCluster.ackProbe.sent} acknowledged)`,
          `  longest time without an acknowledged command: ${results.kafkaCluster.longestGapBetweenAcknowledgedCommandsMs} ms`,
        ]
      : []),
    `drain: ${JSON.stringify(results.drain)}`,
    `targets: ≥ ${results.profile.minCommands} commands ${results.targets.commands ? '✔' : '✖'}, ≥ ${results.profile.faultsPerKind} faults of each kind ${results.targets.faultsPerKind ? '✔' : '✖'}`,
    `results: ${file}`,
  ];
  return { file, text: lines.join('\n') };
}

const unknownLine = (figures: unknown) => {
  const u = figures as
    | {
        attempts: number;
        commands: number;
        resolvedStored: number;
        resolvedNotStored: number;
        resolvedRefused: number;
      }
    | undefined;
  if (!u) return 'not checked';
  return (
    `${u.attempts} answers on ${u.commands} commands left the outcome unknown; the retries with the same key ` +
    `found ${u.resolvedStored} stored (replayed), ${u.resolvedNotStored} not stored (applied once then), ${u.resolvedRefused} refused`
  );
};

const pick = (stats: unknown) => {
  const { requests, byStatus, networkErrors, timeouts, maxFailedLatencyMs, max503LatencyMs } =
    stats as Record<string, unknown>;
  return { requests, byStatus, networkErrors, timeouts, maxFailedLatencyMs, max503LatencyMs };
};

/** When and where the answers that break a promise happened (ms since the workload started, as FaultRecord.atMs). */
function requestSamples(workload: Workload, started: number) {
  const show = (r: RequestRecord) =>
    `${r.method} ${r.target} at ${r.startedAt - started} ms: ${r.status}${r.code ? ` ${r.code}` : ''} after ${Math.round(r.ms)} ms`;
  const { history } = workload;
  return {
    late: history
      .late('POST', COMMAND_DEADLINE_MS + 1_000)
      .slice(0, 10)
      .map(show),
    readsNotAnswered: history.late('GET', REQUEST_TIMEOUT_MS).slice(0, 10).map(show),
    serverErrors: history.requests
      .filter((r) => r.status >= 500 && r.status !== 503)
      .slice(0, 10)
      .map(show),
  };
}

/** The longest stretch between `from` and the last time with no time in `times` (ms). */
function longestGap(times: number[], from: number): number {
  let longest = 0;
  let previous = from;
  for (const time of [...times].sort((a, b) => a - b)) {
    longest = Math.max(longest, time - previous);
    previous = time;
  }
  return longest;
}
