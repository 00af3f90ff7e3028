import fs from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Snapshot {
  /** pid → [role, CPU seconds so far] */
  processes: Map<number, [string, number]>;
  busy: number;
  capacity: number;
}

/** CPU seconds used so far by every process, with its role. */
function snapshot(roles: Record<string, number | undefined>): Snapshot {
  const byPid = new Map(Object.entries(roles).flatMap(([role, pid]) => (pid ? [[pid, role] as const] : [])));
  const processes = new Map<number, [string, number]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
    const role =
      byPid.get(Number(entry)) ??
      (comm === 'postgres' ? 'postgres' : comm === 'java' ? 'java (kafka)' : 'other processes');
    processes.set(Number(entry), [role, seconds]);
  }
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const ticks = cpu.split(/\s+/).slice(1, 9).map(Number);
  const capacity = ticks.reduce((a, b) => a + b, 0) / TICKS_PER_SECOND;
  return { processes, busy: capacity - (ticks[3] + ticks[4]) / TICKS_PER_SECOND, capacity };
}

/**
 * Who used the CPU while `work` ran: each role's share of the machine's capacity (2 cores = 200 %),
 * from /proc. Processes that ended meanwhile are missed (their CPU vanishes with them), new ones
 * count from zero, which is why each measurement window should be steady state.
 */
export async function measureCpu<T>(
  roles: Record<string, number | undefined>,
  work: () => Promise<T>,
): Promise<{ result: T; percent: Record<string, number> }> {
  const before = snapshot(roles);
  const result = await work();
  const after = snapshot(roles);
  // Capacity is CPU-seconds over all cores; shares are in % of one core (200 % = 2 cores busy).
  const scale = (100 * os.availableParallelism()) / Math.max(after.capacity - before.capacity, 1e-9);
  const used = new Map<string, number>([['machine busy', after.busy - before.busy]]);
  for (const [pid, [role, seconds]] of after.processes) {
    used.set(role, (used.get(role) ?? 0) + seconds - (before.processes.get(pid)?.[1] ?? 0));
  }
  const percent = Object.fromEntries([...used].map(([role, seconds]) => [role, Math.round(seconds * scale)]));
  return { result, percent };
}

export const formatCpu = (percent: Record<string, number>): string =>
  Object.entries(percent)
    .filter(([, p]) => p >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([role, p]) => `${role} ${p}%`)
    .join(', ');
