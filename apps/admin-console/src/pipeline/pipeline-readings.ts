import type { OnApplicationShutdown } from '@nestjs/common';
import { createKafka, nestLogger } from '@tally/messaging';
import { PipelineOverviewReader, type PipelineOverview } from '@tally/operations';
import type { AdminConsoleConfig } from '../config';

/** How old a reading may be when handed to another caller: every open Pipeline page shares it. */
export const READING_MAX_AGE_MS = 1_000;

/**
 * The pipeline overview for the Pipeline page, read from the stores (@tally/operations). Callers
 * within READING_MAX_AGE_MS of a reading, or while one is being taken, share it: ten open tabs
 * polling every 1.5 s cost one reading a second, not ten, and commands/s is measured over a steady
 * interval.
 */
export class PipelineReadings implements OnApplicationShutdown {
  private readonly reader: PipelineOverviewReader;
  private latest?: { at: number; overview: Promise<PipelineOverview> };

  constructor(config: AdminConsoleConfig) {
    this.reader = new PipelineOverviewReader({
      kafka: createKafka(config.kafka, nestLogger('kafkajs')),
      topic: config.kafka.topic,
      writeDatabaseUrl: config.writeDatabaseUrl,
      replicaSets: config.replicaSets,
      commandMetricsUrls: config.commandMetricsUrls,
      // Re-driven and handled letters (the Dead letters page, npm run dead-letters) are not unhandled.
      deadLetterMarksDatabaseUrl: config.actions.readDatabaseUrl,
    });
  }

  read(): Promise<PipelineOverview> {
    if (this.latest && Date.now() - this.latest.at < READING_MAX_AGE_MS) return this.latest.overview;
    const overview = this.reader.read();
    const reading = { at: Date.now(), overview };
    this.latest = reading;
    // A failed reading is not shared: the next caller tries again.
    overview.catch(() => {
      if (this.latest === reading) this.latest = undefined;
    });
    return overview;
  }

  onApplicationShutdown(): Promise<void> {
    return this.reader.close();
  }
}
