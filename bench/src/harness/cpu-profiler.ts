/**
 * Preloaded with `node --require` into a service process when BENCH_PROFILE=<dir> is set (Node does not
 * accept --cpu-prof in NODE_OPTIONS): samples the CPU from start to exit and writes a .cpuprofile
 * (open it in Chrome DevTools or speedscope for a flame graph).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const directory = process.env.BENCH_PROFILE;
if (directory) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // Nest re-raises SIGTERM after its shutdown hooks (no 'exit' event), so the bench asks for the
  // profile with SIGUSR2 before it stops the service. The in-process session answers synchronously.
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return void console.error('cpu profile:', error.message);
      const service = path.basename(path.dirname(path.dirname(process.argv[1] ?? 'node')));
      fs.writeFileSync(
        path.join(directory, `${service}-${process.pid}.cpuprofile`),
        JSON.stringify(result.profile),
      );
    });
  });
}
