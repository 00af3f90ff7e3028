/**
 * Polls `probe` until it returns without throwing, or fails with its last error after `timeoutMs`.
 * For asserting on asynchronous pipelines (relay, consumers) without fixed sleeps.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
