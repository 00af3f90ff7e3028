// Every npm script answers `--help` (or `-h`) with its usage and exit code 0, before it does anything
// expensive (fetching Node 24, building, starting a broker). Node built-ins only: it runs before npm ci.
'use strict';

/** True when the command line asks for help (npm passes what follows `--` through to the script). */
const helpRequested = (argv = process.argv.slice(2)) => argv.includes('--help') || argv.includes('-h');

/** Prints `usage` and exits 0 when help is asked for; otherwise returns and the script goes on. */
function answerHelp(usage, argv = process.argv.slice(2)) {
  if (!helpRequested(argv)) return;
  console.log(usage.trim());
  process.exit(0);
}

module.exports = { answerHelp, helpRequested };
