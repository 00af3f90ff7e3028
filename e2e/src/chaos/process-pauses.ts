import fs from 'node:fs';
import path from 'node:path';

/**
 * SIGSTOP and SIGCONT for the pause faults: a frozen process (a long GC, a frozen VM) keeps its sockets
 * and locks but does nothing. Every pause is remembered until it is lifted, so that a run that stops
 * half-way resumes what it froze before stopping it (a stopped process ignores SIGTERM).
 */
export class ProcessPauses {
  private readonly frozen = new Set<number>();

  /** Freezes `pids` for `ms`, then thaws them. */
  async pause(pids: number[], ms: number): Promise<void> {
    this.signal(pids, 'SIGSTOP');
    for (const pid of pids) this.frozen.add(pid);
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      this.signal(pids, 'SIGCONT');
      for (const pid of pids) this.frozen.delete(pid);
    }
  }

  /** Thaws whatever is still frozen (a run stopped during a pause). */
  resumeAll(): void {
    this.signal([...this.frozen], 'SIGCONT');
    this.frozen.clear();
  }

  private signal(pids: number[], signal: NodeJS.Signals): void {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already
      }
    }
  }
}

/** The postmaster (first line of postmaster.pid) and every process it started (backends, WAL writer, ...). */
export function postgresPids(dataDir: string): number[] {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return [postmaster, ...childrenOf(postmaster)];
}

function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children;
}
