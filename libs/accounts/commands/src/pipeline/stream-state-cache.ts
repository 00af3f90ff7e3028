import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';

/** A stream's folded state at `version`, as this process last committed or read it. */
export interface CachedState<State = unknown> {
  version: number;
  state: State;
  /** The version of the stream's newest snapshot this process knows of (when the next is due). */
  snapshotVersion: number;
}

/**
 * The folded states of recently written streams, so that a command on a hot stream skips the load.
 * Only committed states go in (never one read or written inside a transaction that may still roll
 * back), and a stream's events never change once committed, so an entry is always a true state of
 * its stream at its version. It can only be behind: another instance (or a transaction) appended
 * since. The append's expected-version guard catches that; the pipeline then forgets the entry and
 * decides again on the stored state, and never refuses a command on a cached state alone.
 */
@Injectable()
export class StreamStateCache {
  private readonly entries?: LRUCache<string, CachedState>;

  constructor(@Inject(COMMANDS_OPTIONS) options: Pick<CommandsOptions, 'stateCacheSize'>) {
    // Size 0 turns the cache off: every command loads its stream.
    if (options.stateCacheSize > 0) this.entries = new LRUCache({ max: options.stateCacheSize });
  }

  get<State>(streamId: string): CachedState<State> | undefined {
    return this.entries?.get(streamId) as CachedState<State> | undefined;
  }

  /** Keeps the newest: a slow command finishing late must not put an older state back. */
  remember(streamId: string, entry: CachedState): void {
    const known = this.entries?.peek(streamId);
    if (known && known.version >= entry.version) return;
    this.entries?.set(streamId, entry);
  }

  forget(streamId: string): void {
    this.entries?.delete(streamId);
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }
}
