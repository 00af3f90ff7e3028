import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  EVENT_STORE_OPTIONS,
  FencedOutError,
  LeaderLoop,
  type EventStoreModuleOptions,
  type Fence,
} from '@tally/event-store';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';
import { TransferProcessManager } from './transfer-process-manager';
import { TRANSFERS_CHANNEL, TransfersInFlight, type TransferInFlight } from './transfers-in-flight';

const BATCH = 200;

/** The transfer process manager's leader lock, and its row in `leader_terms`. */
export const TRANSFER_LEADER_LOCK = 'transfer-process-manager';

/** A fenced loop always hands its work a fence; reaching this is a bug, and writes nothing. */
const unfenced = (): never => {
  throw new Error('the transfer process manager runs only with a leader fence');
};

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
      lockName: TRANSFER_LEADER_LOCK,
      channel: TRANSFERS_CHANNEL,
      idleMs: options.transfers.sweepIntervalMs,
      retryMs: options.transfers.sweepIntervalMs,
      logger: {
        info: (obj, msg) => this.logger.log(obj, msg),
        error: (obj, msg) => this.logger.error(obj, msg),
      },
      leaseMs: store.leaderLeaseMs,
      fenced: true,
      work: ({ fence }) => this.driveDue(fence ?? unfenced()),
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
  async driveDue(fence: Fence): Promise<boolean> {
    const due = await this.inFlight.due(BATCH);
    let next = 0;
    let fencedOut: FencedOutError | undefined;
    const worker = async () => {
      while (next < due.length && !fencedOut) {
        fencedOut = (await this.driveOne(due[next++], fence)) ?? fencedOut;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.options.transfers.concurrency, due.length) }, worker),
    );
    if (fencedOut) throw fencedOut; // another process leads now: this term's round ends here
    return due.length === BATCH;
  }

  /** Drives one transfer; a fenced-out write is returned (the round stops), other failures postponed. */
  private async driveOne(transfer: TransferInFlight, fence: Fence): Promise<FencedOutError | undefined> {
    try {
      await this.manager.drive(transfer, fence);
    } catch (error) {
      if (error instanceof FencedOutError) return error;
      this.logger.warn({ err: error, transferId: transfer.transferId }, 'transfer step failed; will retry');
      const reason = (error as Error).message ?? String(error);
      await this.inFlight.postpone(transfer.transferId, reason, fence).catch((postponing: unknown) => {
        if (!(postponing instanceof FencedOutError)) throw postponing;
      });
    }
    return undefined;
  }
}
