// Tally runs on Node 24 LTS. The npm scripts call `runOnSupportedNode()` first: on an older Node (the
// machine's own may be 20) they fetch Node 24 from the npm registry (the package
// node-<platform>-<arch> carries the official binary), cache it outside git in
// ~/.cache/tally/node/<version>/ (or $TALLY_NODE_HOME/<version>/), say so once, and run themselves
// again under it, with its bin directory first on PATH so that npm, Jest and every child process use
// it too. Node built-ins only: this runs before any package is installed.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The Node release the project is tested on: keep in step with .nvmrc and the Dockerfile. */
const NODE_VERSION = '24.22.3';
const REQUIRED_MAJOR = 24;

const major = (version) => Number(version.replace(/^v/, '').split('.')[0]);

const cacheRoot = () => process.env.TALLY_NODE_HOME || path.join(os.homedir(), '.cache', 'tally', 'node');

/** The cached binary's path, installing it first if it is not there yet. */
function node24Binary() {
  const home = path.join(cacheRoot(), NODE_VERSION);
  const binary = path.join(home, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  const pkg = `node-${process.platform}-${process.arch}@${NODE_VERSION}`;
  console.log(`Fetching Node ${NODE_VERSION} from the npm registry (${pkg}) into ${home} ...`);
  // Installed beside the target and renamed into place, so an interrupted download never looks complete.
  const staging = `${home}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const install = spawnSync(
    'npm',
    ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', pkg],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (install.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not install ${pkg} from the npm registry (npm exit ${install.status})`);
  }
  fs.mkdirSync(path.dirname(home), { recursive: true });
  try {
    fs.renameSync(staging, home);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true }); // another run installed it meanwhile
    if (!fs.existsSync(binary)) throw error;
  }
  return binary;
}

/**
 * False when this process already runs on Node ≥ 24. Otherwise starts `script` (with this process's
 * arguments) under the cached Node 24 (saying so unless `quiet`), exits with its status when it ends, and returns true: the caller
 * must then do nothing more. The parent only waits: Ctrl-C reaches the child through the terminal's
 * process group, and SIGTERM/SIGHUP are passed on.
 */
function handedToNode24(script, { quiet = false } = {}) {
  if (major(process.version) >= REQUIRED_MAJOR) return false;
  let binary;
  try {
    binary = node24Binary();
  } catch (error) {
    console.error(`✖ Tally needs Node ${REQUIRED_MAJOR}; ${error.message}`);
    process.exit(1);
  }
  if (!quiet)
    console.log(`This machine's Node is ${process.version}; running under Node ${NODE_VERSION} (${binary}).`);
  const env = { ...process.env, PATH: `${path.dirname(binary)}${path.delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(binary, [script, ...process.argv.slice(2)], { stdio: 'inherit', env });
  // The terminal sent Ctrl-C to the child too: stay alive (instead of dying at once) until its clean-up ends.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
  return true;
}

module.exports = { handedToNode24, node24Binary, NODE_VERSION, REQUIRED_MAJOR };

// `node scripts/node-runtime.js`: prints the bin directory of a Node ≥ 24 (installing it if needed), for
// shells that put it first on PATH (.ci/run).
if (require.main === module) {
  const current = major(process.version) >= REQUIRED_MAJOR;
  console.log(path.dirname(current ? process.execPath : node24Binary()));
}
