import { Counter, Gauge, Histogram, register, type Metric } from 'prom-client';
import type { LagReading } from './consumer-lag-view';

/** One instance of each metric per process, whatever the number of consumers (tests run several). */
const metric = <M extends Metric>(name: string, create: () => M): M =>
  (register.getSingleMetric(name) as M | undefined) ?? create();

const partitionLabels = ['group', 'topic', 'partition'] as const;

/** What a running consumer answers when /metrics is scraped. */
export interface ProjectionMetricSource {
  group: string;
  topic: string;
  projector: string;
  /** Owned partitions, computed now from the topic's ends (see ConsumerLagView). */
  lag(): Promise<LagReading[]>;
  /** Events parked in the read database for this projector now. */
  parked(): Promise<number>;
  /** The dead-letter topic's name and the messages it holds now; undefined when unknown. */
  deadLetters(): Promise<{ topic: string; messages: number } | undefined>;
}

const sources = new Set<ProjectionMetricSource>();

/** A read database or broker slower than this leaves its series out of the scrape: /metrics must answer. */
const SOURCE_TIMEOUT_MS = 2_000;

const within = (work: Promise<void>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
};

/**
 * Sets a gauge from every running consumer at scrape time; a source that fails or is too slow leaves
 * its series out (absent, rather than a stale figure).
 */
const collected = (fill: (source: ProjectionMetricSource) => Promise<void>) =>
  Promise.all([...sources].map((source) => within(fill(source), SOURCE_TIMEOUT_MS))).then(() => undefined);

const scrapeGauges = () => {
  metric(
    'tally_projection_lag_messages',
    () =>
      new Gauge({
        name: 'tally_projection_lag_messages',
        help: "Messages on the partition not yet applied by this replica: the partition's end, read from the broker at scrape time, minus the replica's position",
        labelNames: partitionLabels,
        async collect() {
          this.reset();
          await collected(async (s) => {
            for (const r of await s.lag())
              this.set({ group: s.group, topic: s.topic, partition: String(r.partition) }, r.lag);
          });
        },
      }),
  );
  metric(
    'tally_projection_position',
    () =>
      new Gauge({
        name: 'tally_projection_position',
        help: 'Next offset this replica will apply on the partition it owns',
        labelNames: partitionLabels,
        async collect() {
          this.reset();
          await collected(async (s) => {
            for (const r of await s.lag())
              this.set(
                { group: s.group, topic: s.topic, partition: String(r.partition) },
                Number(r.position),
              );
          });
        },
      }),
  );
  metric(
    'tally_projection_freshness_seconds',
    () =>
      new Gauge({
        name: 'tally_projection_freshness_seconds',
        help: 'How far the read tables are behind on the partition: 0 when caught up, else seconds since the newest applied event occurred (grows while behind)',
        labelNames: partitionLabels,
        async collect() {
          this.reset();
          await collected(async (s) => {
            for (const r of await s.lag())
              if (r.freshnessSeconds !== null)
                this.set(
                  { group: s.group, topic: s.topic, partition: String(r.partition) },
                  r.freshnessSeconds,
                );
          });
        },
      }),
  );
  metric(
    'tally_projection_parked_events',
    () =>
      new Gauge({
        name: 'tally_projection_parked_events',
        help: 'Events parked in the read database now, waiting for an earlier version of their stream',
        labelNames: ['projector'],
        async collect() {
          this.reset();
          await collected(async (s) => this.set({ projector: s.projector }, await s.parked()));
        },
      }),
  );
  metric(
    'tally_dead_letter_messages',
    () =>
      new Gauge({
        name: 'tally_dead_letter_messages',
        help: 'Messages in the dead-letter topic now (its end minus start offsets, all partitions)',
        labelNames: ['topic'],
        async collect() {
          this.reset();
          await collected(async (s) => {
            const letters = await s.deadLetters();
            if (letters) this.set({ topic: letters.topic }, letters.messages);
          });
        },
      }),
  );
};

/**
 * Adds a consumer to what /metrics reports at scrape time (the gauges are registered on first use);
 * the returned function takes it out again when the consumer stops.
 */
export function watchProjectionMetrics(source: ProjectionMetricSource): () => void {
  scrapeGauges();
  sources.add(source);
  return () => sources.delete(source);
}

const stuckSources = new Map<string, () => Promise<number>>();

/**
 * `tally_projection_stuck_streams`: streams whose events have waited in `parked_events` longer than
 * the bound (see StuckStreams), counted at scrape time. The returned function stops reporting.
 */
export function watchStuckStreams(projector: string, count: () => Promise<number>): () => void {
  metric(
    'tally_projection_stuck_streams',
    () =>
      new Gauge({
        name: 'tally_projection_stuck_streams',
        help: 'Streams whose later events have waited longer than PROJECTION_STUCK_STREAM_AFTER_MS for an earlier version that never arrived (capped at 100)',
        labelNames: ['projector'],
        async collect() {
          this.reset();
          await Promise.all(
            [...stuckSources].map(([name, read]) =>
              within(
                read().then((n) => this.set({ projector: name }, n)),
                SOURCE_TIMEOUT_MS,
              ),
            ),
          );
        },
      }),
  );
  stuckSources.set(projector, count);
  return () => stuckSources.delete(projector);
}

/** Counters and the apply delay, updated as chunks are applied. */
export const projectionMetrics = () => ({
  applied: metric(
    'tally_projection_events_applied_total',
    () =>
      new Counter({
        name: 'tally_projection_events_applied_total',
        help: 'Events applied to the read tables (duplicates and replays excluded)',
        labelNames: ['group', 'topic'],
      }),
  ),
  deadLettered: metric(
    'tally_projection_dead_letters_total',
    () =>
      new Counter({
        name: 'tally_projection_dead_letters_total',
        help: 'Messages this process moved to the dead-letter topic',
        labelNames: ['group', 'topic'],
      }),
  ),
  parked: metric(
    'tally_projection_events_parked_total',
    () =>
      new Counter({
        name: 'tally_projection_events_parked_total',
        help: 'Events parked because they arrived ahead of their stream',
        labelNames: ['group', 'topic'],
      }),
  ),
  healed: metric(
    'tally_projection_stuck_streams_healed_total',
    () =>
      new Counter({
        name: 'tally_projection_stuck_streams_healed_total',
        help: 'Stuck streams this process healed by fetching their missing events from the event store',
        labelNames: ['projector'],
      }),
  ),
  applyDelay: metric(
    'tally_projection_apply_delay_seconds',
    () =>
      new Histogram({
        name: 'tally_projection_apply_delay_seconds',
        help: 'From an event occurring (its occurredAt) to its being applied to the read tables (committed)',
        labelNames: ['group'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      }),
  ),
});
