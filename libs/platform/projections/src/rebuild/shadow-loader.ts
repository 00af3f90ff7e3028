import type { EventEnvelope } from '@tally/contracts';
import { selectNewEvents } from '../select-new-events';
import type { BulkLoad, BulkLoadable, BulkTarget } from './bulk-load';

/**
 * The bulk counterpart of the live consumer's transaction, for shadow tables no one else writes: the
 * same selection (only the next version of each stream is applied, events ahead of their stream are
 * parked until the gap fills, repeats are dropped), with the stream positions and parked events
 * kept in memory instead of locked rows, and written once at the end. That is safe because nothing
 * reads or writes these tables before the swap, and a rebuild that fails is dropped whole, never
 * resumed. Memory grows with the number of streams (a position per stream, plus whatever rows the
 * projections fold in memory).
 */
export class ShadowLoader {
  private readonly positions = new Map<string, number>();
  private readonly parked = new Map<string, EventEnvelope[]>();
  private readonly loads: BulkLoad[];

  constructor(
    private readonly projector: string,
    projections: BulkLoadable[],
    private readonly target: BulkTarget,
  ) {
    this.loads = projections.map((projection) => projection.bulkLoad(target));
  }

  /** Applies decoded events of one partition, in partition order. */
  apply(events: EventEnvelope[]): { applied: number; parked: number } {
    const selection = selectNewEvents(events, this.positions, this.takeParked(events));
    for (const load of this.loads) load.add(selection.fresh);
    for (const [streamId, version] of selection.advanced) this.positions.set(streamId, version);
    for (const event of selection.parked) {
      // As the live consumer does, a stream seen only ahead of its gap still gets a position (0).
      if (!this.positions.has(event.streamId)) this.positions.set(event.streamId, 0);
      const waiting = this.parked.get(event.streamId) ?? [];
      waiting.push(event);
      this.parked.set(event.streamId, waiting);
    }
    return { applied: selection.fresh.length, parked: selection.parked.length };
  }

  /** Writes the projections' remaining rows, the positions and the still parked events. */
  finish(): void {
    for (const load of this.loads) load.finish();
    const positions = this.target.table('stream_positions', ['projector', 'stream_id', 'version']);
    for (const [streamId, version] of this.positions) positions.write([this.projector, streamId, version]);
    const parked = this.target.table('parked_events', ['projector', 'stream_id', 'version', 'event']);
    for (const events of this.parked.values())
      for (const event of events)
        parked.write([this.projector, event.streamId, event.streamVersion, JSON.stringify(event)]);
  }

  private takeParked(events: EventEnvelope[]): EventEnvelope[] {
    if (this.parked.size === 0) return [];
    const taken: EventEnvelope[] = [];
    for (const streamId of new Set(events.map((event) => event.streamId))) {
      taken.push(...(this.parked.get(streamId) ?? []));
      this.parked.delete(streamId);
    }
    return taken;
  }
}
