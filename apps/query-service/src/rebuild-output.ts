import type { RebuildJobStatus } from '@tally/projections';
import { SingleBar } from 'cli-progress';

/** Progress lines at most this often; a change of phase and the outcome are written at once. */
const JSON_LINE_EVERY_MS = 500;

export interface RebuildReporter {
  progress(status: RebuildJobStatus): void;
  end(outcome: RebuildJobStatus, tables: string[]): void;
}

/**
 * How `npm run rebuild` shows a rebuild: a progress bar on a terminal; JSON lines elsewhere (a pipe,
 * a CI log, a supervisor), one object per line, `{"type":"progress",…}` then one
 * `{"type":"result","state":…}` with the whole status.
 */
export function rebuildReporter(kind: 'json' | 'bar'): RebuildReporter {
  return kind === 'json' ? jsonLines() : progressBar();
}

function jsonLines(): RebuildReporter {
  let lastAt = 0;
  let lastPhase = '';
  return {
    progress: (status) => {
      const now = Date.now();
      const changed = status.progress.phase !== lastPhase;
      if (!changed && now - lastAt < JSON_LINE_EVERY_MS && !status.cancelRequested) return;
      [lastAt, lastPhase] = [now, status.progress.phase];
      console.log(
        JSON.stringify({
          type: 'progress',
          id: status.id,
          at: new Date(now).toISOString(),
          ...status.progress,
        }),
      );
    },
    end: (outcome) => console.log(JSON.stringify({ type: 'result', ...outcome })),
  };
}

function progressBar(): RebuildReporter {
  const bar = new SingleBar({
    format: 'rebuild |{bar}| {percentage}% | {value}/{total} {unit} | {applied} applied | {rate}/s | {phase}',
    hideCursor: true,
  });
  bar.start(1, 0, { applied: 0, phase: 'starting', rate: '-', unit: 'events' });
  return {
    progress: ({ progress, cancelRequested }) => {
      bar.setTotal(Math.max(progress.total, 1));
      bar.update(progress.done, {
        applied: progress.applied,
        phase: cancelRequested ? 'cancelling' : progress.phase,
        rate: progress.rate ?? '-',
        unit: progress.source === 'store' ? 'events' : 'messages',
      });
    },
    end: (outcome, tables) => {
      bar.stop();
      const { progress, result } = outcome;
      if (outcome.state === 'succeeded' && result)
        console.log(
          `rebuilt ${tables.join(', ')} from the ${progress.source === 'store' ? 'event store' : 'topic'}: ` +
            `${result.applied} events applied from ${result.messages} ${progress.source === 'store' ? 'events' : 'messages'} ` +
            `read in ${result.seconds.toFixed(1)} s; swapped in` +
            (result.retiredSchema ? `; old tables kept in schema ${result.retiredSchema}` : ''),
        );
      else if (outcome.state === 'cancelled')
        console.log(
          `rebuild cancelled after ${progress.elapsedSeconds} s: shadow schema and group removed, live tables unchanged`,
        );
      else console.error(`rebuild failed: ${outcome.error}`);
    },
  };
}

/** A repeat within this long is the same Ctrl-C (the terminal and npm both deliver it). */
const SAME_INTERRUPTION_MS = 2_000;

/**
 * SIGINT and SIGTERM: the first calls `first` (cancel and clean up); another one a moment later calls
 * `again` (quit now). Returns a function that stops listening.
 */
export function interruptions(handlers: { first(): void; again(): void }): () => void {
  let firstAt: number | undefined;
  const onSignal = () => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      handlers.first();
    } else if (Date.now() - firstAt > SAME_INTERRUPTION_MS) handlers.again();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
