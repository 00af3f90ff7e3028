// The browser tests (e2e/src/browser) drive Debian's `chromium` package with playwright-core. A fresh
// machine lacks it: `npm test` installs it with apt-get (as root, as CI runs; else through `sudo -n`),
// or stops with the command to run.
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const CHROMIUM = '/usr/bin/chromium';

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/** Makes sure /usr/bin/chromium exists, installing Debian's package if needed; returns its path. */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  const install = 'apt-get update && apt-get install -y --no-install-recommends chromium';
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/apt-get'))
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM} (Debian's chromium package: ${install}).`,
    );
  const asRoot = process.getuid?.() === 0;
  const sudo = (args) => (asRoot ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]]);
  console.log(`Installing Debian's chromium package for the browser tests (${install})...`);
  const ok =
    run(...sudo(['update'])) && run(...sudo(['install', '-y', '--no-install-recommends', 'chromium']));
  if (!ok || !fs.existsSync(CHROMIUM))
    throw new Error(`Could not install chromium: run \`sudo sh -c '${install}'\`, then npm test again.`);
  return CHROMIUM;
}

module.exports = { CHROMIUM, ensureChromium };
