import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { accountReadModels } from '@tally/accounts-read-models';
import { nestLogger } from '@tally/messaging';
import { RebuildJob, type RebuildJobStatus } from '@tally/projections';
import type { Kafka } from 'kafkajs';
import type { RebuildView, RebuildsView } from '../api/operator-actions-api';
import type { AdminConsoleConfig } from '../config';

/** Finished rebuilds kept for the page, newest first. */
const KEPT = 10;
/** How long shutting down waits for a cancelled rebuild to clean up. */
const SHUTDOWN_WAIT_MS = 60_000;

export interface RebuildRequest {
  source: 'store' | 'topic';
  keepOld: boolean;
}

export type StartOutcome = { started: boolean; rebuild: RebuildView };

/**
 * The rebuilds started from this console: at most one at a time (RebuildJob's lock also keeps out one
 * started elsewhere, e.g. by `npm run rebuild`), the latest outcomes kept in memory for the page.
 * Shutting the console down cancels a running rebuild and waits for its cleanup.
 */
export class ConsoleRebuilds implements OnApplicationShutdown {
  private current?: { job: RebuildJob; by: string };
  private starting?: Promise<StartOutcome>;
  private readonly finished: RebuildView[] = [];
  private readonly logger = new Logger('rebuild');

  constructor(
    private readonly config: AdminConsoleConfig,
    private readonly kafka: Kafka,
  ) {}

  view(): RebuildsView {
    const current = this.current;
    return {
      current: current ? { ...current.job.status(), startedBy: current.by } : null,
      recent: this.finished.map((view) => ({ ...view })),
    };
  }

  /**
   * Starts a rebuild, or answers the one already running from this console (started: false).
   * Rejects with RebuildAlreadyRunningError if one started elsewhere holds the lock.
   */
  start(by: string, request: RebuildRequest): Promise<StartOutcome> {
    const running = this.view().current;
    if (running) return Promise.resolve({ started: false, rebuild: running });
    this.starting ??= this.launch(by, request).finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Asks the running rebuild to stop; undefined when none runs. */
  cancel(): RebuildView | undefined {
    const current = this.current;
    if (!current) return undefined;
    current.job.cancel();
    return { ...current.job.status(), startedBy: current.by };
  }

  async onApplicationShutdown(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.job.cancel();
    await Promise.race([
      current.job.finished,
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS)),
    ]);
  }

  private async launch(by: string, request: RebuildRequest): Promise<StartOutcome> {
    // No migrations here (unlike `npm run rebuild`): the query service has run them, and the
    // console should not change a schema; a read database without its tables fails the rebuild.
    const { actions } = this.config;
    const label = new Date().toISOString().replace(/\D/g, '').slice(0, 17);
    const job = await RebuildJob.start({
      kafka: this.kafka,
      topic: this.config.kafka.topic,
      databaseUrl: actions.rebuildDatabaseUrl,
      projector: accountReadModels.projector,
      groupId: `${actions.groupId}-rebuild-${label}`,
      label,
      tables: accountReadModels.tables,
      entities: accountReadModels.entities,
      projections: accountReadModels.projections,
      logger: nestLogger('rebuild'),
      eventStore: request.source === 'store' ? { databaseUrl: actions.eventStoreDatabaseUrl } : undefined,
      keepOld: request.keepOld,
    });
    this.current = { job, by };
    this.logger.log({ msg: 'rebuild started', id: job.id, by, source: request.source });
    void job.finished.then((status: RebuildJobStatus) => {
      this.finished.unshift({ ...status, startedBy: by });
      this.finished.length = Math.min(this.finished.length, KEPT);
      if (this.current?.job === job) this.current = undefined;
      this.logger.log({ msg: `rebuild ${status.state}`, id: status.id, error: status.error ?? undefined });
    });
    return { started: true, rebuild: { ...job.status(), startedBy: by } };
  }
}
