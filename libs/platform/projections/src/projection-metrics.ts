import { Counter, Gauge, register, type Metric } from 'prom-client';

/** One instance of each metric per process, whatever the number of consumers (tests run several). */
const metric = <M extends Metric>(name: string, create: () => M): M =>
  (register.getSingleMetric(name) as M | undefined) ?? create();

const labelNames = ['group', 'topic', 'partition'] as const;

/**
 * Lag and position per partition this replica owns, refreshed after every applied chunk: lag is the
 * partition's high watermark minus the next offset to read, i.e. messages not yet applied here.
 */
export const projectionMetrics = () => ({
  lag: metric(
    'tally_projection_consumer_lag',
    () =>
      new Gauge({
        name: 'tally_projection_consumer_lag',
        help: 'Messages on the partition not yet applied by this replica',
        labelNames,
      }),
  ),
  position: metric(
    'tally_projection_position',
    () =>
      new Gauge({
        name: 'tally_projection_position',
        help: 'Next offset this replica will apply on the partition (its committed position)',
        labelNames,
      }),
  ),
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
        help: 'Messages moved to the dead-letter topic',
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
});
