// @ts-check
'use strict';
/**
 * A TCP proxy on loopback for one direction of one link between two brokers (A → B's listener).
 * Cutting it resets every open connection and refuses new ones, as a network partition would; healing
 * lets connections through again. No firewall rules or namespaces needed: the brokers are told to reach
 * each other through these proxies (see cluster.js).
 */

const net = require('node:net');

class LinkProxy {
  /** @param {number} targetPort */
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.port = 0;
    this.open = true;
    /** @type {Set<net.Socket>} */
    this.sockets = new Set();
    this.server = net.createServer((client) => this.accept(client));
  }

  /** @returns {Promise<this>} */
  async listen() {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined));
    });
    this.port = /** @type {net.AddressInfo} */ (this.server.address()).port;
    return this;
  }

  /** @param {net.Socket} client */
  accept(client) {
    if (!this.open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Resets every connection and refuses new ones until heal(). */
  cut() {
    this.open = false;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  heal() {
    this.open = true;
  }

  /** @returns {Promise<void>} */
  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

module.exports = { LinkProxy };
