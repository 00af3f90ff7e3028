import * as hdr from 'hdr-histogram-js';
import { httpLoad } from '../harness/http-load';
import type { ScenarioResult } from '../harness/result';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';
import { depositLoad } from './commands';

const ACCOUNTS = 1_000;
const PROBED_ACCOUNTS = 50;
const PROBES_PER_SECOND = 40;

/**
 * Time from a deposit's 2xx to the change being visible on the read API, under a background load of
 * half the peak command rate (open loop, autocannon's overallRate). Probes are deposits on accounts
 * the background load does not touch; each is followed at once by GET /accounts/:id with the write's
 * X-Consistency-Token, which the query service answers as soon as it has applied that version: the
 * answer's arrival is when the change became visible to a client.
 *
 * Each probe is also split in two at the start of the read-side transaction that applied it (its
 * stream position's `updated_at`, the transaction's `now()`; same host clock): the write side's
 * share (relay, Kafka, fetch) and the read side's (apply, commit, NOTIFY, answer).
 * FRESHNESS_RATE=<commands/s> replaces half the peak as the background rate, e.g. a low rate to
 * measure the floor, or a fixed one to compare two builds on a noisy machine.
 */
export async function freshnessScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  const system = await BenchSystem.get(settings);
  const accounts = await system.ensureAccounts(ACCOUNTS);
  const fixedRate = Number(process.env.FRESHNESS_RATE) || undefined;
  if (system.peakCommandRate === undefined && fixedRate === undefined) {
    const peak = await httpLoad({
      ...depositLoad(system, accounts),
      connections: 64,
      durationSeconds: settings.quick ? 3 : 8,
    });
    system.peakCommandRate = peak.perSecond;
  }
  const rate = fixedRate ?? Math.max(1, Math.round((system.peakCommandRate ?? 0) / 2));
  const probed = accounts.slice(0, PROBED_ACCOUNTS);
  const background = httpLoad({
    ...depositLoad(system, accounts.slice(PROBED_ACCOUNTS)),
    connections: 64,
    durationSeconds,
    overallRate: rate,
  });
  const build = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000 });
  const [histogram, toApply, fromApply] = [build(), build(), build()];
  let failures = 0;
  let probes = 0;
  const deadline = Date.now() + durationSeconds * 1000 - 500;
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the background load settle
  const inflight: Promise<void>[] = [];
  while (Date.now() < deadline) {
    const accountId = probed[probes++ % probed.length];
    inflight.push(
      probe(system, accountId).then(
        ({ total, untilApply }) => {
          histogram.recordValue(Math.max(1, total));
          if (untilApply === undefined) return;
          toApply.recordValue(Math.min(total, Math.max(1, untilApply)));
          fromApply.recordValue(Math.max(1, total - untilApply));
        },
        () => void failures++,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / PROBES_PER_SECOND));
  }
  await Promise.all(inflight);
  const load = await background;
  const p50Ms = histogram.getValueAtPercentile(50) / 1000;
  const p99Ms = histogram.getValueAtPercentile(99) / 1000;
  const maxMs = histogram.maxValue / 1000;
  const samples = histogram.totalCount;
  const split = (subject: string, part: hdr.Histogram) => ({
    subject,
    baseline: false,
    p50Ms: part.getValueAtPercentile(50) / 1000,
    p99Ms: part.getValueAtPercentile(99) / 1000,
    figures: { samples: part.totalCount },
  });
  const stages = [
    split('  2xx → apply transaction starts', toApply),
    split('  apply transaction starts → visible', fromApply),
  ];
  for (const h of [histogram, toApply, fromApply]) h.destroy();
  return {
    scenario: 'freshness',
    parameters: {
      backgroundRate: rate,
      peakRate: Math.round(system.peakCommandRate ?? 0),
      seconds: durationSeconds,
      probesPerSecond: PROBES_PER_SECOND,
      samples,
    },
    measurements: [
      {
        subject: 'deposit 2xx → visible on read API',
        baseline: false,
        p50Ms,
        p99Ms,
        maxMs,
        figures: { failures },
      },
      ...stages,
      {
        subject: 'background deposits (open loop)',
        baseline: false,
        ...load,
        figures: { 'target/s': rate },
      },
    ],
    headlines: [
      { label: 'freshness p50', value: p50Ms, unit: 'ms', target: 15, kind: 'max' },
      { label: 'freshness p99', value: p99Ms, unit: 'ms', target: 50, kind: 'max' },
    ],
    notes: [
      "visible = GET /accounts/:id with the write's X-Consistency-Token answered 200 with that version",
      'includes relay → Kafka → consumer → read-table commit → NOTIFY wake-up of the waiting read',
      'split at the start of the applying transaction; probes overtaken by a later one on their account are left out of the split',
    ],
  };
}

/** Microseconds from the 2xx to the visible answer, and to the start of the applying transaction. */
async function probe(
  system: BenchSystem,
  accountId: string,
): Promise<{ total: number; untilApply?: number }> {
  const write = await fetch(`${system.command.url}/accounts/${accountId}/deposits`, {
    method: 'POST',
    headers: { ...system.headers, 'content-type': 'application/json' },
    body: '{"amount":1}',
  });
  const written = (await write.json()) as { version: number; consistencyToken: string };
  const acknowledged = process.hrtime.bigint();
  const acknowledgedAtMs = performance.timeOrigin + performance.now();
  if (write.status !== 200) throw new Error(`deposit: ${write.status}`);
  const read = await fetch(`${system.query.url}/accounts/${accountId}`, {
    headers: {
      ...system.headers,
      'x-consistency-token': written.consistencyToken,
      'x-consistency-timeout-ms': '10000',
    },
  });
  const view = (await read.json()) as { version: number };
  const visible = process.hrtime.bigint();
  if (read.status !== 200 || view.version < written.version) throw new Error(`read: ${read.status}`);
  const total = Number((visible - acknowledged) / 1000n);
  // Read after the measurement. The position is only this probe's if no later write has moved it.
  const { rows } = await system.readPool.query<{ appliedAtMs: number }>(
    `SELECT extract(epoch FROM updated_at) * 1000 AS "appliedAtMs" FROM stream_positions
     WHERE stream_id = $1 AND version = $2`,
    [`account-${accountId}`, written.version],
  );
  const appliedAtMs = rows[0] ? Number(rows[0].appliedAtMs) : undefined;
  return {
    total,
    untilApply: appliedAtMs === undefined ? undefined : (appliedAtMs - acknowledgedAtMs) * 1000,
  };
}
