import { Counter, Gauge, register } from 'prom-client';
import type { OutboxRelay } from './outbox-relay';

const existing = <T>(name: string) => register.getSingleMetric(name) as T | undefined;

/**
 * Prometheus view of the relay, computed at scrape time: the backlog (committed, not yet published —
 * the lag readers see), a topic that lost what the relay published, and what this process has published. Registered once per process, on the
 * default registry that /metrics serves.
 */
export function registerRelayMetrics(relay: OutboxRelay): void {
  if (existing('tally_relay_backlog_events')) return;
  new Gauge({
    name: 'tally_relay_backlog_events',
    help: 'Committed events the relay has not yet published to Kafka',
    async collect() {
      this.set(await relay.backlog());
    },
  });
  new Gauge({
    name: 'tally_relay_topic_behind_checkpoint',
    help:
      'Partitions of the topic found ending before what the relay had published (topic deleted or ' +
      'recreated); 0 again once `npm run republish` has refilled it from the store',
    async collect() {
      this.set((await relay.topicLoss())?.partitions.length ?? 0);
    },
  });
  new Gauge({
    name: 'tally_relay_leader',
    help: 'Whether this process leads the relay now (1) or waits for the lock (0): sum over the instances should be 1',
    collect() {
      this.set(relay.isLeader ? 1 : 0);
    },
  });
  let reported = 0;
  new Counter({
    name: 'tally_relay_published_total',
    help: 'Events this process has published to Kafka (at least once: retries count again)',
    collect() {
      this.inc(relay.publishedCount - reported);
      reported = relay.publishedCount;
    },
  });
}
