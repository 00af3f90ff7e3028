import { RateMeter } from './rate-meter';

describe('a rate over the last seconds', () => {
  it('is unknown until samples span enough time, then counts per second', () => {
    const meter = new RateMeter(5_000, 500);
    expect(meter.record(0, 0)).toBeNull();
    expect(meter.record(100, 200)).toBeNull();
    expect(meter.record(1_000, 1_000)).toBe(1_000);
  });

  it('forgets samples older than its window, so a stall shows as a falling rate', () => {
    const meter = new RateMeter(5_000, 500);
    meter.record(0, 0);
    meter.record(10_000, 1_000);
    meter.record(10_000, 6_000);
    // Only the last five seconds count: nothing was read in them.
    expect(meter.record(10_000, 7_000)).toBe(0);
  });
});
