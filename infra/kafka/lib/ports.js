// @ts-check
'use strict';

const fs = require('node:fs');
const net = require('node:net');

/** Where the kernel draws outgoing connections' local ports from (Linux; elsewhere its usual range). */
function ephemeralRange() {
  try {
    const [low, high] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low > 0 && high >= low) return { low, high };
  } catch {
    // not Linux: fall through
  }
  return { low: 32768, high: 60999 };
}

const LOWEST = 10_000;

/** @param {net.Server} server @param {number} port */
const listen = (server, port) =>
  new Promise((resolve, reject) => {
    server.once('error', reject).listen(port, '127.0.0.1', () => resolve(undefined));
  });

/**
 * Distinct free ports on 127.0.0.1 (all held open at once while they are picked) that a process can
 * bind again after it was killed: they lie below the kernel's ephemeral range. A port picked by
 * `listen(0)` lies inside it, and while a killed broker is down any outgoing connection on the machine
 * (a client of PostgreSQL or of another broker) may be given it as its local port, so the restarted
 * broker failed with "Address already in use" (seen in the three-node cluster's leader-kill test).
 * @param {number} count
 * @returns {Promise<number[]>}
 */
async function freeLoopbackPorts(count) {
  const { low } = ephemeralRange();
  const span = low - LOWEST;
  /** @type {net.Server[]} */
  const servers = [];
  try {
    for (let attempt = 0; servers.length < count; attempt++) {
      const server = net.createServer();
      // Without room below the range (an unusual kernel setting), the kernel's own pick is the fallback.
      const port = span >= 1_000 && attempt < 50 * count ? LOWEST + Math.floor(Math.random() * span) : 0;
      try {
        await listen(server, port);
        servers.push(server);
      } catch (error) {
        if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EADDRINUSE') throw error;
      }
    }
    return servers.map((server) => /** @type {net.AddressInfo} */ (server.address()).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

module.exports = { freeLoopbackPorts };
