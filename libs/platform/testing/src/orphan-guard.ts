import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A detached watchdog that cleans up after a test runner killed before its `finally` blocks ran
 * (Ctrl-C, a CI timeout, kill -9): PostgreSQL daemonizes away from its starter and service processes
 * are plain children, so neither dies with the runner by itself. While the runner lives the watchdog
 * only polls; once the runner's pid is gone it stops the registered PostgreSQL servers (SIGQUIT to
 * the postmaster = immediate shutdown), SIGKILLs the registered processes and removes the registered
 * directories. `release()` is the normal end: the watchdog exits and does nothing.
 */
export interface OrphanGuard {
  trackPid(pid: number | undefined): void;
  untrackPid(pid: number | undefined): void;
  trackPostgres(dataDir: string): void;
  trackDir(dir: string): void;
  release(): void;
}

interface GuardState {
  pids: number[];
  postgres: string[];
  dirs: string[];
}

const watchdog = `
const fs = require('node:fs');
const path = require('node:path');
const [parent, stateFile] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const tick = () => {
  if (!fs.existsSync(stateFile)) process.exit(0);
  if (alive(Number(parent))) return;
  let state;
  try { state = JSON.parse(fs.readFileSync(stateFile, 'utf8')); } catch { process.exit(0); }
  for (const dir of state.postgres) {
    try {
      const pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {}
  }
  for (const pid of state.pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  setTimeout(() => {
    for (const dir of [...state.postgres, ...state.dirs]) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stateFile, { force: true });
    process.exit(0);
  }, 3000);
  clearInterval(timer);
};
const timer = setInterval(tick, 1000);
`;

export function startOrphanGuard(): OrphanGuard {
  const stateFile = path.join(os.tmpdir(), `tally-orphan-guard-${process.pid}-${Date.now()}.json`);
  const state: GuardState = { pids: [], postgres: [], dirs: [] };
  const save = () => fs.writeFileSync(stateFile, JSON.stringify(state));
  save();
  const child = spawn(process.execPath, ['-e', watchdog, String(process.pid), stateFile], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return {
    trackPid: (pid) => {
      if (pid === undefined || state.pids.includes(pid)) return;
      state.pids.push(pid);
      save();
    },
    untrackPid: (pid) => {
      state.pids = state.pids.filter((p) => p !== pid);
      save();
    },
    trackPostgres: (dataDir) => (state.postgres.push(dataDir), save()),
    trackDir: (dir) => (state.dirs.push(dir), save()),
    release: () => {
      fs.rmSync(stateFile, { force: true });
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
