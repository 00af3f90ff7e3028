/** What a command carries besides its intent: who caused it, and under which expectations. */
export interface CommandContext {
  correlationId: string;
  causationId: string;
  actor?: string;
  /** From `If-Match`: the stream version the client last saw. Absent means "whatever is current". */
  expectedVersion?: number;
  /**
   * Throws unless the caller may act on the loaded state. The pipeline calls it before anything else
   * is decided or revealed (even a version conflict), so a refused request appends nothing.
   */
  authorize?: (state: unknown) => void;
}

/** Every acknowledged write answers with the stream's new version and a token for read-your-writes. */
export interface WriteResult {
  version: number;
  consistencyToken: string;
}
