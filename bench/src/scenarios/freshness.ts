import { testServerUrl } from '@tally/testing';
import { Client } from 'pg';
import { httpLoad, type HttpLoadResult } from '../harness/http-load';
import type { Headline, Measurement, ScenarioResult } from '../harness/result';
import { SpanSink, type SinkSpan } from '../harness/span-sink';
import { BenchSystem } from '../harness/system';
import type { BenchSettings } from '../settings';
import { depositLoad } from './commands';

const ACCOUNTS = 1_000;
const PROBED_ACCOUNTS = 50;
const PROBES_PER_SECOND = 40;
/** freshness-fixed and freshness-long-tx: a rate every build and machine can carry, so runs compare. */
const FIXED_RATE = 500;

/** One probe's instants (ms since the epoch, host clock), from the bench, the spans and the read database. */
interface ProbeTimes {
  acknowledged: number;
  visible: number;
  traceId: string;
  /** The applying transaction's `now()` (its start), if this probe's version is still the stream's. */
  applyStarted?: number;
}

/**
 * The path of one deposit to the read side, step by step; each step's instants as [from, to]. The
 * consumer may take a message before the relay's send resolves (that waits for every partition of the
 * batch, and for the relay's event loop), so Kafka's share is measured from the relay's read to the
 * consumer, and the relay's wait for the acknowledgement is shown beside it.
 */
const STEPS: { label: string; span: (t: Instants) => [number?, number?] }[] = [
  { label: 'append committed → read by the relay', span: (t) => [t.committed, t.relayRead] },
  { label: 'read by the relay → consumer takes its chunk', span: (t) => [t.relayRead, t.chunkTaken] },
  { label: 'chunk taken → apply transaction starts', span: (t) => [t.chunkTaken, t.applyStarted] },
  { label: 'apply transaction starts → committed', span: (t) => [t.applyStarted, t.applyCommitted] },
  { label: 'read side committed → waiting read answered', span: (t) => [t.applyCommitted, t.visible] },
  { label: '(read by the relay → its send acknowledged)', span: (t) => [t.relayRead, t.acknowledgedByKafka] },
  { label: '(append committed → 2xx received by the client)', span: (t) => [t.committed, t.acknowledged] },
];

interface Instants {
  acknowledged: number;
  visible: number;
  committed?: number;
  relayRead?: number;
  acknowledgedByKafka?: number;
  chunkTaken?: number;
  applyStarted?: number;
  applyCommitted?: number;
}

const first = (spans: SinkSpan[], prefix: string) =>
  spans.filter((span) => span.name.startsWith(prefix)).sort((a, b) => a.startMs - b.startMs)[0];

/**
 * Where each instant comes from: the command's `append` span ends when its transaction committed; the
 * relay's `send` span starts when the relay has read the event and hands it to the producer, and ends
 * when Kafka acknowledged it; the consumer's `process` span starts when the consumer takes the chunk
 * that holds it (after the fetch, and after the chunks queued before it) and ends after the read-side
 * commit; the apply transaction's start is its `now()` in `stream_positions`.
 */
function instantsOf(probe: ProbeTimes, spans: SinkSpan[]): Instants {
  const append = first(spans, 'append');
  const send = first(spans, 'send ');
  const process = first(spans, 'process ');
  return {
    acknowledged: probe.acknowledged,
    visible: probe.visible,
    committed: append?.endMs,
    relayRead: send?.startMs,
    acknowledgedByKafka: send?.endMs,
    chunkTaken: process?.startMs,
    applyStarted: probe.applyStarted,
    applyCommitted: process?.endMs,
  };
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

const round = (ms: number) => Math.round(ms * 10) / 10;

interface FreshnessRun {
  rate: number;
  samples: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  steps: Measurement[];
  background: HttpLoadResult;
}

/**
 * Probes at PROBES_PER_SECOND on accounts the background load (deposits at `rate`/s, open loop) does
 * not touch: each deposit is followed at once by GET /accounts/:id with the write's
 * X-Consistency-Token, which the query service answers as soon as it has applied that version; the
 * answer's arrival is when the change became visible to a client. Probes carry a sampled
 * `traceparent`, so their spans (only theirs) reach the sink and split the path into steps.
 */
async function measureFreshness(
  system: BenchSystem,
  sink: SpanSink,
  accounts: string[],
  rate: number,
  durationSeconds: number,
): Promise<FreshnessRun> {
  const probed = accounts.slice(0, PROBED_ACCOUNTS);
  const background = httpLoad({
    ...depositLoad(system, accounts.slice(PROBED_ACCOUNTS)),
    connections: 64,
    durationSeconds,
    overallRate: rate,
  });
  const probes: ProbeTimes[] = [];
  let failures = 0;
  let sent = 0;
  const deadline = Date.now() + durationSeconds * 1000 - 500;
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the background load settle
  const inflight: Promise<void>[] = [];
  while (Date.now() < deadline) {
    inflight.push(
      probe(system, sink, probed[sent++ % probed.length]).then(
        (times) => void probes.push(times),
        () => void failures++,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / PROBES_PER_SECOND));
  }
  await Promise.all(inflight);
  const load = await background;
  // Spans are exported in batches (every 5 s): wait until nearly every probe's last span is in.
  const until = Date.now() + 15_000;
  while (
    Date.now() < until &&
    probes.filter((p) => first(sink.spans(p.traceId), 'process ')).length < probes.length * 0.98
  )
    await new Promise((resolve) => setTimeout(resolve, 250));
  const totals = probes.map((p) => p.visible - p.acknowledged).sort((a, b) => a - b);
  const instants = probes.map((p) => instantsOf(p, sink.spans(p.traceId)));
  const steps = STEPS.map(({ label, span }): Measurement => {
    const durations = instants
      .map(span)
      .filter((pair): pair is [number, number] => pair[0] !== undefined && pair[1] !== undefined)
      .map(([from, to]) => to - from)
      .sort((a, b) => a - b);
    return {
      subject: `  ${label}`,
      baseline: false,
      p50Ms: round(percentile(durations, 50)),
      p99Ms: round(percentile(durations, 99)),
      figures: { samples: durations.length },
    };
  });
  return {
    rate,
    samples: totals.length,
    failures,
    p50Ms: round(percentile(totals, 50)),
    p99Ms: round(percentile(totals, 99)),
    maxMs: round(totals[totals.length - 1] ?? Number.NaN),
    steps,
    background: load,
  };
}

async function probe(system: BenchSystem, sink: SpanSink, accountId: string): Promise<ProbeTimes> {
  const { traceId, traceparent } = sink.newTrace();
  const write = await fetch(`${system.command.url}/accounts/${accountId}/deposits`, {
    method: 'POST',
    headers: { ...system.headers, 'content-type': 'application/json', traceparent },
    body: '{"amount":1}',
  });
  const written = (await write.json()) as { version: number; consistencyToken: string };
  const acknowledged = performance.timeOrigin + performance.now();
  if (write.status !== 200) throw new Error(`deposit: ${write.status}`);
  const read = await fetch(`${system.query.url}/accounts/${accountId}`, {
    headers: {
      ...system.headers,
      traceparent,
      'x-consistency-token': written.consistencyToken,
      'x-consistency-timeout-ms': '10000',
    },
  });
  const view = (await read.json()) as { version: number };
  const visible = performance.timeOrigin + performance.now();
  if (read.status !== 200 || view.version < written.version) throw new Error(`read: ${read.status}`);
  // Read after the measurement. The position is only this probe's if no later write has moved it.
  const { rows } = await system.readPool.query<{ appliedAtMs: number }>(
    `SELECT extract(epoch FROM updated_at) * 1000 AS "appliedAtMs" FROM stream_positions
     WHERE stream_id = $1 AND version = $2`,
    [`account-${accountId}`, written.version],
  );
  return { acknowledged, visible, traceId, applyStarted: rows[0] ? Number(rows[0].appliedAtMs) : undefined };
}

/** A fresh system whose services export the probes' spans to `sink`; the peaks it reached are kept. */
async function withProbedSystem<T>(
  settings: BenchSettings,
  work: (system: BenchSystem, sink: SpanSink, accounts: string[]) => Promise<T>,
): Promise<T> {
  const sink = await SpanSink.start();
  const system = await BenchSystem.isolated(settings, sink.serviceEnv);
  try {
    return await work(system, sink, await system.ensureAccounts(ACCOUNTS));
  } finally {
    for (const [service, mb] of Object.entries(system.peaks()))
      if (mb !== undefined) BenchSystem.recordPeak(`${service} (freshness scenarios)`, mb);
    await system.stop();
    await sink.stop();
  }
}

const measurementsOf = (run: FreshnessRun, label: string): Measurement[] => [
  {
    subject: `deposit 2xx → visible on read API${label}`,
    baseline: false,
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    maxMs: run.maxMs,
    figures: { samples: run.samples, failures: run.failures },
  },
  ...run.steps,
  {
    subject: `background deposits (open loop)${label}`,
    baseline: false,
    ...run.background,
    figures: { 'target/s': run.rate },
  },
];

const targets = (run: FreshnessRun, label = 'freshness'): Headline[] => [
  { label: `${label} p50`, value: run.p50Ms, unit: 'ms', target: 15, kind: 'max' },
  { label: `${label} p99`, value: run.p99Ms, unit: 'ms', target: 50, kind: 'max' },
];

const NOTES = [
  "visible = GET /accounts/:id with the write's X-Consistency-Token answered 200 with that version",
  'steps from the probes’ own spans (services sampling only traces the bench starts, exported as OTLP/JSON to the bench) and the apply transaction’s now(); a step is left out for a probe that lacks one of its two instants (e.g. a later write moved the stream position)',
  'the append commits before the 2xx, so the relay’s step runs alongside the answer to the client; the first five steps add up from "append committed" to visible; the two in brackets run beside them',
  'one host clock for every process; each step is a p50/p99 of its own, so the p99s do not add up',
];

let fixedRun: FreshnessRun | undefined;

/**
 * Time from a deposit's 2xx to the change being visible on the read API under half the peak command
 * rate (the `commands` scenario's, or measured here), step by step. FRESHNESS_RATE=<commands/s>
 * replaces half the peak, e.g. a low rate to measure the floor.
 */
export async function freshnessScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  return withProbedSystem(settings, async (system, sink, accounts) => {
    const fixedRate = Number(process.env.FRESHNESS_RATE) || undefined;
    const shared = BenchSystem.started ? await BenchSystem.get(settings) : undefined;
    let peak = shared?.peakCommandRate;
    if (peak === undefined && fixedRate === undefined) {
      peak = (
        await httpLoad({
          ...depositLoad(system, accounts),
          connections: 64,
          durationSeconds: settings.quick ? 3 : 8,
        })
      ).perSecond;
    }
    const rate = fixedRate ?? Math.max(1, Math.round((peak ?? 0) / 2));
    const run = await measureFreshness(system, sink, accounts, rate, durationSeconds);
    return {
      scenario: 'freshness',
      parameters: {
        backgroundRate: rate,
        peakRate: Math.round(peak ?? 0),
        seconds: durationSeconds,
        probesPerSecond: PROBES_PER_SECOND,
        samples: run.samples,
      },
      measurements: measurementsOf(run, ''),
      headlines: targets(run),
      notes: NOTES,
    };
  });
}

/** The same at a fixed 500 deposits/s: a figure comparable across machines and builds. */
export async function freshnessFixedScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  return withProbedSystem(settings, async (system, sink, accounts) => {
    const run = await measureFreshness(system, sink, accounts, FIXED_RATE, durationSeconds);
    fixedRun = run;
    return {
      scenario: 'freshness-fixed',
      parameters: {
        backgroundRate: FIXED_RATE,
        seconds: durationSeconds,
        probesPerSecond: PROBES_PER_SECOND,
      },
      measurements: measurementsOf(run, ''),
      headlines: targets(run, 'freshness at 500/s'),
      notes: NOTES,
    };
  });
}

/**
 * freshness-fixed with a writing transaction (one holding a transaction id) open in the server's
 * `postgres` database for the whole run, as a report, a migration or a forgotten psql session would
 * be. Publication must not wait for it: p99 within 1.2× freshness-fixed of the same bench run
 * (measured here first, on the same system, when freshness-fixed did not run before).
 */
export async function freshnessLongTxScenario(settings: BenchSettings): Promise<ScenarioResult> {
  const durationSeconds = settings.quick ? 5 : 20;
  return withProbedSystem(settings, async (system, sink, accounts) => {
    const without = fixedRun ?? (await measureFreshness(system, sink, accounts, FIXED_RATE, durationSeconds));
    const session = new Client({ connectionString: testServerUrl() });
    await session.connect();
    let run: FreshnessRun;
    let heldXid: string;
    try {
      await session.query('BEGIN');
      heldXid = (await session.query('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid;
      run = await measureFreshness(system, sink, accounts, FIXED_RATE, durationSeconds);
    } finally {
      await session.query('ROLLBACK').catch(() => undefined);
      await session.end();
    }
    return {
      scenario: 'freshness-long-tx',
      parameters: {
        backgroundRate: FIXED_RATE,
        seconds: durationSeconds,
        probesPerSecond: PROBES_PER_SECOND,
        heldTransaction: `xid ${heldXid} in database postgres, open for the whole run`,
      },
      measurements: [
        ...measurementsOf(run, ', transaction held elsewhere'),
        {
          subject: 'deposit 2xx → visible, nothing held (freshness-fixed)',
          baseline: true,
          p50Ms: without.p50Ms,
          p99Ms: without.p99Ms,
          maxMs: without.maxMs,
          figures: { samples: without.samples, failures: without.failures },
        },
      ],
      headlines: [
        {
          label: 'long-tx p99 / fixed p99',
          value: run.p99Ms / without.p99Ms,
          unit: 'x',
          target: 1.2,
          kind: 'max',
        },
        { label: 'long-tx p99', value: run.p99Ms, unit: 'ms', target: 50, kind: 'max' },
      ],
      notes: NOTES,
    };
  });
}
