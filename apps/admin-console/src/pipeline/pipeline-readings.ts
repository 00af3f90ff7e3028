import type { OnApplicationShutdown } from '@nestjs/common';
import { createKafka, nestLogger } from '@tally/messaging';
import { PipelineOverviewReader, type PipelineOverview } from '@tally/operations';
import type { AdminConsoleConfig } from '../config';

/** How old a reading may be when handed to another caller: every open Pipeline page shares it. */
export const READING_MAX_AGE_MS = 1_000;

/** How long a caller waits for a reading before being told the stores are not answering. */
export const READING_TIMEOUT_MS = 5_000;

/**
 * The pipeline overview for the Pipeline page, read from the stores (@tally/operations). Callers
 * within READING_MAX_AGE_MS of a reading, or while one is being taken, share it: ten open tabs
 * polling every 1.5 s cost one reading a second, not ten, and commands/s is measured over a steady
 * interval. A reading that hangs (Kafka unreachable: its client retries for most of a minute) fails
 * its callers after READING_TIMEOUT_MS, so the page says so at once; it goes on in the background,
 * and no second one starts beside it.
 */
export class PipelineReadings implements OnApplicationShutdown {
  private readonly reader: PipelineOverviewReader;
  private last?: { at: number; overview: PipelineOverview };
  private inFlight?: Promise<PipelineOverview>;

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
    if (this.last && Date.now() - this.last.at < READING_MAX_AGE_MS)
      return Promise.resolve(this.last.overview);
    this.inFlight ??= this.reader
      .read()
      .then((overview) => {
        this.last = { at: Date.now(), overview };
        return overview;
      })
      .finally(() => (this.inFlight = undefined));
    return withTimeout(this.inFlight, READING_TIMEOUT_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.reader.close();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no reading within ${ms / 1000} s: Kafka or a database is not answering`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
