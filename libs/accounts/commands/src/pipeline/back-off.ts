import { setTimeout as sleep } from 'node:timers/promises';

const BASE_MS = 2;
const CAP_MS = 100;

/**
 * After the `attempt`-th lost race in a row: a random pause ("full jitter") that grows with each
 * loss, so writers racing from several instances spread out instead of colliding again in step.
 * Never sleeps past `deadline` (epoch ms).
 */
export async function backOff(attempt: number, deadline: number, random = Math.random): Promise<void> {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** attempt);
  const pause = Math.min(random() * ceiling, deadline - Date.now());
  if (pause > 0) await sleep(pause);
}
