// @ts-check
'use strict';

const net = require('node:net');

/**
 * Distinct free ports on 127.0.0.1 (all held open at once while they are picked).
 * @param {number} count
 * @returns {Promise<number[]>}
 */
async function freeLoopbackPorts(count) {
  /** @type {net.Server[]} */
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined));
      });
      servers.push(server);
    }
    return servers.map((server) => /** @type {net.AddressInfo} */ (server.address()).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

module.exports = { freeLoopbackPorts };
