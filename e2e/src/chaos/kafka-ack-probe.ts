import { ensureTopic } from '@tally/messaging';
import { Kafka, logLevel, type Producer } from 'kafkajs';

export interface AckProbeFigures {
  sent: number;
  acknowledged: number;
  failed: number;
  /** The longest time without an acknowledged (acks=all) write to the probe topic, in ms. */
  longestGapMs: number;
  /** When that gap ended, since the probe started (ms). */
  longestGapEndedAtMs: number;
}

/**
 * An independent producer that writes one small message every `intervalMs` to a topic of its own with
 * replication 3 and min.insync.replicas 2, `acks=all`, one at a time, and records when each write is
 * acknowledged: the longest stretch without an acknowledgement is how long Kafka stopped taking writes.
 * (The services' own writes are acknowledged by PostgreSQL, so they do not measure this.)
 */
export class KafkaAckProbe {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private running = false;
  private loop?: Promise<void>;
  private readonly figures: AckProbeFigures = {
    sent: 0,
    acknowledged: 0,
    failed: 0,
    longestGapMs: 0,
    longestGapEndedAtMs: 0,
  };
  private startedAt = 0;
  private lastAck = 0;

  constructor(
    brokers: string,
    private readonly topic = 'tally.chaos.ack-probe',
    private readonly intervalMs = 100,
  ) {
    this.kafka = new Kafka({
      clientId: 'chaos-ack-probe',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 }, // the loop retries: each attempt is one write
      requestTimeout: 5_000,
      connectionTimeout: 2_000,
    });
  }

  async start(): Promise<void> {
    await ensureTopic(this.kafka, this.topic, 3, {
      replicationFactor: 3,
      config: { 'min.insync.replicas': '2' },
    });
    this.running = true;
    this.startedAt = Date.now();
    this.lastAck = this.startedAt;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const attempt = Date.now();
      this.figures.sent++;
      try {
        this.producer ??= this.kafka.producer({ allowAutoTopicCreation: false });
        await this.producer.connect();
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          timeout: 5_000,
          messages: [{ key: String(this.figures.sent % 3), value: String(attempt) }],
        });
        this.figures.acknowledged++;
        const now = Date.now();
        if (now - this.lastAck > this.figures.longestGapMs) {
          this.figures.longestGapMs = now - this.lastAck;
          this.figures.longestGapEndedAtMs = now - this.startedAt;
        }
        this.lastAck = now;
      } catch {
        this.figures.failed++;
        const stale = this.producer;
        this.producer = undefined; // a fresh connection and metadata for the next attempt
        await stale?.disconnect().catch(() => undefined);
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, this.intervalMs - (Date.now() - attempt))),
      );
    }
  }

  async stop(): Promise<AckProbeFigures> {
    this.running = false;
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    return { ...this.figures };
  }
}
