// @ts-check
'use strict';
/**
 * A three-node KRaft cluster on loopback: every node is broker + controller (a static quorum of three,
 * which survives the loss of any one), with replication 3 and min.insync.replicas 2 by default.
 *
 * Each node reaches each other node through a LinkProxy of its own, for both the controller quorum
 * and replication, so a node can be cut off from the others (isolate) while clients still reach it:
 * - the quorum: node N's `controller.quorum.voters` names every other voter at the proxy N → M;
 * - replication: node N's `inter.broker.listener.name` is PEER_N, and every node M has a listener PEER_N
 *   advertised at the proxy N → M, so N's fetchers (and only N's) go through N's own proxies.
 * Clients use the CLIENT listener of each node, directly.
 */

const fs = require('node:fs');
const path = require('node:path');
const { installBroker } = require('./install');
const { launchWithCdsFallback } = require('./launch');
const { LinkProxy } = require('./link-proxy');
const { freeLoopbackPorts } = require('./ports');
const { commonProperties, formatProperties } = require('./server-properties');
const { newClusterId, prepareClusterLogDir } = require('./storage');
const { makeTempDataDir } = require('./supervision');
const { primeCoordinators } = require('./warm-up');

/**
 * @typedef {import('./types').Log} Log
 * @typedef {import('./types').LocalBroker} LocalBroker
 * @typedef {import('./types').Properties} Properties
 *
 * @typedef {object} ClusterOptions
 * @property {number} [nodes] default 3 (an odd number: a majority must survive a loss)
 * @property {string} [dataDir] node-<id>/ dirs are kept there; default: a temp dir removed on stop
 * @property {Log} [log]
 * @property {boolean} [fast] default true
 * @property {number} [timeoutMs] default 90 s
 * @property {{ initial: string, max: string }} [heap] per node; default 64m / 256m
 * @property {Properties} [properties] extra server.properties entries for every node
 *
 * @typedef {object} ClusterNode
 * @property {number} id
 * @property {number} port client port
 * @property {LocalBroker | undefined} process undefined while killed
 * @property {boolean} isolated
 *
 * @typedef {object} KafkaCluster
 * @property {string} brokers every node's client address, comma-separated
 * @property {ClusterNode[]} nodes
 * @property {string} dataDir
 * @property {number} startupMs from the first spawn until every node was ready
 * @property {(id: number) => Promise<void>} kill SIGKILL one node (no shutdown hooks)
 * @property {(id: number) => Promise<void>} restart start a killed node again on its data and ports
 * @property {(id: number) => void} isolate cut a node off from the others (clients still reach it)
 * @property {(id: number) => void} heal
 * @property {() => Record<number, number>} rssMb resident memory of each running node
 * @property {(id: number) => number | undefined} pid the process id of a running node (to pause it)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {ClusterOptions} [options]
 * @returns {Promise<KafkaCluster>}
 */
async function startCluster(options = {}) {
  const {
    nodes: count = 3,
    dataDir,
    log = (line) => console.log(line),
    fast = true,
    timeoutMs = 90_000,
    heap = { initial: '64m', max: '256m' },
    properties = {},
  } = options;
  const verbose = process.env.TALLY_KAFKA_VERBOSE === '1';
  const libsDir = await installBroker({ log });
  const ownsDataDir = !dataDir;
  const root = dataDir ? path.resolve(dataDir) : makeTempDataDir();
  const ids = Array.from({ length: count }, (_, i) => i + 1);

  // Per node: client, controller, and one replication listener per peer (PEER_<from>).
  const ports = await freeLoopbackPorts(count * (2 + count));
  /** @type {Map<number, { client: number, controller: number, peer: Map<number, number> }>} */
  const listen = new Map();
  for (const id of ids) {
    const base = (id - 1) * (2 + count);
    const peer = new Map(ids.map((from, i) => [from, ports[base + 2 + i]]));
    listen.set(id, { client: ports[base], controller: ports[base + 1], peer });
  }
  const at = (/** @type {number} */ id) =>
    /** @type {NonNullable<ReturnType<typeof listen.get>>} */ (listen.get(id));

  /** One proxy per direction and purpose: `${from}>${to}:controller` and `${from}>${to}:peer`. */
  /** @type {Map<string, LinkProxy>} */
  const proxies = new Map();
  for (const from of ids)
    for (const to of ids)
      if (from !== to) {
        proxies.set(`${from}>${to}:controller`, await new LinkProxy(at(to).controller).listen());
        proxies.set(`${from}>${to}:peer`, await new LinkProxy(at(to).peer.get(from) ?? 0).listen());
      }
  const proxy = (/** @type {string} */ key) => /** @type {LinkProxy} */ (proxies.get(key));

  const clusterId = newClusterId();
  /** @type {Map<number, import('./launch').LaunchSettings>} */
  const settings = new Map();
  for (const id of ids) {
    const dir = path.join(root, `node-${id}`);
    fs.mkdirSync(dir, { recursive: true });
    const logDir = path.join(dir, 'logs');
    const propsFile = path.join(dir, 'server.properties');
    const own = at(id);
    const peerNames = ids.map((from) => `PEER_${from}`);
    /** @type {Properties} */
    const props = {
      'process.roles': 'broker,controller',
      'node.id': id,
      'controller.quorum.voters': ids
        .map((v) => `${v}@127.0.0.1:${v === id ? own.controller : proxy(`${id}>${v}:controller`).port}`)
        .join(','),
      listeners: [
        `CLIENT://127.0.0.1:${own.client}`,
        `CONTROLLER://127.0.0.1:${own.controller}`,
        ...ids.map((from) => `PEER_${from}://127.0.0.1:${own.peer.get(from)}`),
      ].join(','),
      'advertised.listeners': [
        `CLIENT://127.0.0.1:${own.client}`,
        ...ids.map(
          (from) =>
            `PEER_${from}://127.0.0.1:${from === id ? own.peer.get(from) : proxy(`${from}>${id}:peer`).port}`,
        ),
      ].join(','),
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': `PEER_${id}`,
      'listener.security.protocol.map': ['CLIENT', 'CONTROLLER', ...peerNames]
        .map((name) => `${name}:PLAINTEXT`)
        .join(','),
      'log.dirs': logDir,
      'offsets.topic.replication.factor': Math.min(3, count),
      'transaction.state.log.replication.factor': Math.min(3, count),
      'transaction.state.log.min.isr': Math.min(2, count),
      'default.replication.factor': Math.min(3, count),
      'min.insync.replicas': Math.min(2, count),
      'unclean.leader.election.enable': false,
      // Faster reactions than the production defaults (30 s, 9 s, 2 s), so that a chaos run of a few
      // minutes sees many faults: a silent follower leaves the ISR after 6 s, a silent broker is fenced
      // (its partitions get new leaders) after 6 s.
      'replica.lag.time.max.ms': 6_000,
      'broker.session.timeout.ms': 6_000,
      'broker.heartbeat.interval.ms': 1_000,
      ...commonProperties(),
      ...properties,
    };
    fs.writeFileSync(propsFile, formatProperties(props));
    await prepareClusterLogDir(libsDir, logDir, {
      log,
      nodeId: id,
      clusterId: readClusterId(root, ids) ?? clusterId,
    });
    settings.set(id, {
      libsDir,
      dir,
      propsFile,
      ports: { port: own.client, controllerPort: own.controller },
      ownsDataDir: false, // the cluster removes its root dir itself
      log,
      verbose,
      fast,
      timeoutMs,
      cds: true,
      heap,
      prefix: `[kafka-${id}]`,
    });
  }

  /** @type {ClusterNode[]} */
  const nodes = ids.map((id) => ({ id, port: at(id).client, process: undefined, isolated: false }));
  const node = (/** @type {number} */ id) => {
    const found = nodes.find((n) => n.id === id);
    if (!found) throw new Error(`no node ${id} in this cluster`);
    return found;
  };
  const launch = async (/** @type {number} */ id) => {
    node(id).process = await launchWithCdsFallback(
      /** @type {import('./launch').LaunchSettings} */ (settings.get(id)),
    );
  };
  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  const closeAll = async () => {
    await Promise.allSettled(nodes.map((n) => n.process?.stop()));
    await Promise.all([...proxies.values()].map((p) => p.close()));
    if (ownsDataDir) fs.rmSync(root, { recursive: true, force: true });
  };

  const started = process.hrtime.bigint();
  try {
    // All at once: a node is ready only once a majority of the quorum is up.
    await Promise.all(ids.map(launch));
  } catch (err) {
    await closeAll();
    throw err;
  }
  const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
  await primeCoordinators(brokers.split(','), { log });

  /** @type {(id: number, open: boolean) => void} */
  const setLinks = (id, open) => {
    for (const [key, link] of proxies) {
      const [from, to] = key.split(':')[0].split('>').map(Number);
      if (from !== id && to !== id) continue;
      if (open) link.heal();
      else link.cut();
    }
  };

  return {
    brokers,
    nodes,
    dataDir: root,
    startupMs,
    kill: async (id) => {
      const target = node(id);
      const running = target.process;
      if (!running) return;
      try {
        process.kill(running.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await running.exited;
      await running.stop(); // bookkeeping only: the process is gone
      target.process = undefined;
    },
    restart: async (id) => {
      if (!node(id).process) await launch(id);
    },
    isolate: (id) => {
      node(id).isolated = true;
      setLinks(id, false);
    },
    heal: (id) => {
      node(id).isolated = false;
      setLinks(id, true);
    },
    pid: (id) => node(id).process?.pid,
    rssMb: () =>
      Object.fromEntries(
        nodes.flatMap((n) => (n.process ? [[n.id, Math.round(residentKb(n.process.pid) / 1024)]] : [])),
      ),
    stop: closeAll,
  };
}

/**
 * A reused cluster dir keeps its cluster id (a node formatted with another id would be refused).
 * @param {string} root
 * @param {number[]} ids
 */
function readClusterId(root, ids) {
  for (const id of ids) {
    try {
      const meta = fs.readFileSync(path.join(root, `node-${id}`, 'logs', 'meta.properties'), 'utf8');
      const found = /^cluster\.id=(.+)$/m.exec(meta)?.[1];
      if (found) return found.trim();
    } catch {
      // not formatted yet
    }
  }
  return undefined;
}

/** @param {number} pid */
function residentKb(pid) {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

module.exports = { startCluster };
