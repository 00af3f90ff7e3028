import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EVENT_STORE_OPTIONS, LeaderLoop, type EventStoreModuleOptions } from '@tally/event-store';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';
import { TransferProcessManager } from './transfer-process-manager';
import { TRANSFERS_CHANNEL, TransfersInFlight, type TransferInFlight } from './transfers-in-flight';

const BATCH = 200;

/**
 * Finds unfinished transfers and drives them to the end. One instance leads at a time (advisory
 * lock); it wakes on every new transfer (NOTIFY) and sweeps periodically for retries and for
 * transfers a crashed leader left half-way. A transfer whose step fails for a technical reason is
 * retried with back-off; a business refusal is an outcome (failed, refunded), not an error.
 */
@Injectable()
export class TransferWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TransferWorker');
  readonly loop: LeaderLoop;

  constructor(
    @Inject(EVENT_STORE_OPTIONS) store: EventStoreModuleOptions,
    @Inject(COMMANDS_OPTIONS) private readonly options: Pick<CommandsOptions, 'transfers'>,
    private readonly manager: TransferProcessManager,
    private readonly inFlight: TransfersInFlight,
  ) {
    this.loop = new LeaderLoop({
      connectionString: store.connectionString,
      lockName: 'transfer-process-manager',
      channel: TRANSFERS_CHANNEL,
      idleMs: options.transfers.sweepIntervalMs,
      retryMs: options.transfers.sweepIntervalMs,
      logger: {
        info: (obj, msg) => this.logger.log(obj, msg),
        error: (obj, msg) => this.logger.error(obj, msg),
      },
      work: () => this.driveDue(),
    });
  }

  onApplicationBootstrap(): void {
    if (this.options.transfers.enabled) this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One round over due transfers; true if a full batch was found (there may be more). Transfers are
   * driven several at a time: each step is idempotent and appends with an expected version, so two
   * transfers touching one account only make one of them re-decide on fresh state (or back off).
   */
  async driveDue(): Promise<boolean> {
    const due = await this.inFlight.due(BATCH);
    let next = 0;
    const worker = async () => {
      while (next < due.length) await this.driveOne(due[next++]);
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.transfers.concurrency, due.length) }, worker),
    );
    return due.length === BATCH;
  }

  private async driveOne(transfer: TransferInFlight): Promise<void> {
    try {
      await this.manager.drive(transfer);
    } catch (error) {
      this.logger.warn({ err: error, transferId: transfer.transferId }, 'transfer step failed; will retry');
      await this.inFlight.postpone(transfer.transferId, (error as Error).message ?? String(error));
    }
  }
}
