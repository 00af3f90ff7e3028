/**
 * A rate over a sliding window: how fast a count grew over the last few seconds, so that a pause or
 * a burst shows within the window rather than being averaged away over the whole run.
 */
export class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(
    private readonly windowMs = 5_000,
    /** Shorter spans than this give no rate: two close samples say little. */
    private readonly minimumSpanMs = 500,
  ) {}

  /** Records `count` at `at` (ms) and answers the rate per second, or null while it is unknown. */
  record(count: number, at: number): number | null {
    this.samples.push({ at, count });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const span = at - first.at;
    return span < this.minimumSpanMs ? null : Math.round(((count - first.count) * 1_000) / span);
  }
}
