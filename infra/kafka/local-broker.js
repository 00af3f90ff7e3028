'use strict';
/**
 * A real Apache Kafka broker (single-node KRaft on 127.0.0.1) for tests and local runs, without Docker.
 *
 * The broker's jars come from Maven Central via infra/kafka/pom.xml (the only place that names the Kafka
 * version) and are cached outside git, in ~/.cache/tally/kafka/<version>/ (or $TALLY_KAFKA_HOME/<version>/).
 *
 *   const { installBroker, startBroker, kafkaVersion } = require('./infra/kafka/local-broker');
 *   const broker = await startBroker();          // { brokers: '127.0.0.1:<port>', port, pid, dataDir, stop }
 *   ...
 *   await broker.stop();
 *
 * CLI: node infra/kafka/local-broker.js install | start [--port 9092] [--data-dir DIR]
 *
 * Plain CommonJS with Node built-ins only, so it runs before any build step and from CI scripts.
 */

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { pathToFileURL } = require('node:url');
const { parseArgs } = require('node:util');

const POM = path.join(__dirname, 'pom.xml');
const LOG4J_CONFIG = path.join(__dirname, 'log4j.properties');
const INSTALL_MARKER = '.installed'; // written last, inside the libs dir
const CDS_ARCHIVE = 'broker-classes.jsa'; // lives next to the jars it describes, so a reinstall drops it
const READY_LINE = 'Kafka Server started';
const NODE_ID = 1;
const STOP_GRACE_MS = 15_000;
const TEMP_PREFIX = 'tally-kafka-';

const defaultLog = (line) => console.log(line);

// ---------------------------------------------------------------------------------------------------------
// Install: assemble the broker's classpath once per Kafka version (and per pom.xml content).
// ---------------------------------------------------------------------------------------------------------

/** The Kafka version, read from pom.xml so that it is written down in exactly one place. */
function kafkaVersion() {
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`No <kafka.version> property in ${POM}`);
  return match[1];
}

function versionDir(version = kafkaVersion()) {
  const root = process.env.TALLY_KAFKA_HOME || path.join(os.homedir(), '.cache', 'tally', 'kafka');
  return path.join(path.resolve(root), version);
}

/** Fingerprint of pom.xml: editing exclusions or logging versions must invalidate the cached jars too. */
function pomStamp() {
  return crypto.createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

function isInstalled(libsDir, stamp) {
  try {
    return fs.readFileSync(path.join(libsDir, INSTALL_MARKER), 'utf8').trim() === stamp;
  } catch {
    return false;
  }
}

/**
 * Makes sure the broker jars are in the cache and returns the libs dir (the broker classpath is <libs>/*).
 * Idempotent and fast once done. Maven fills a private temp dir that is renamed into place only when
 * complete, so an interrupted download or two concurrent first runs never leave a half-filled classpath.
 */
async function installBroker({ log = defaultLog } = {}) {
  const version = kafkaVersion();
  const libsDir = path.join(versionDir(version), 'libs');
  const stamp = pomStamp();
  if (isInstalled(libsDir, stamp)) return libsDir;

  log(`Downloading Apache Kafka ${version} from Maven Central (first run only)...`);
  const staging = `${libsDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(libsDir), { recursive: true });
  try {
    await runMaven(staging);
    checkClasspath(staging, version);
    fs.writeFileSync(path.join(staging, INSTALL_MARKER), `${stamp}\n`);
    publishDir(staging, libsDir, () => isInstalled(libsDir, stamp));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return libsDir;
}

async function runMaven(outputDir) {
  const args = ['-B', '-q', '-f', POM, 'validate', `-Dkafka.libs.dir=${outputDir}`];
  let result;
  try {
    result = await runCommand('mvn', args);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    throw new Error('Maven (mvn) is needed to fetch the Kafka jars: install it (apt-get install maven)', {
      cause: err,
    });
  }
  if (result.code !== 0) {
    throw new Error(`mvn ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.output, 40)}`);
  }
}

/** Guards against a pom edit that silently drops the broker itself or its logging (no log = no readiness). */
function checkClasspath(dir, version) {
  const jars = fs.readdirSync(dir);
  for (const prefix of [`kafka_2.13-${version}`, 'reload4j-', 'slf4j-reload4j-']) {
    if (!jars.some((jar) => jar.startsWith(prefix) && jar.endsWith('.jar'))) {
      throw new Error(`Maven did not produce ${prefix}*.jar in ${dir}; check ${POM}`);
    }
  }
}

/** Atomically moves a finished staging dir into place, unless another process already did so. */
function publishDir(staging, target, alreadyThere) {
  if (fs.existsSync(target)) {
    if (alreadyThere()) return;
    fs.rmSync(target, { recursive: true, force: true }); // stale: older pom or an interrupted copy
  }
  try {
    fs.renameSync(staging, target);
  } catch (err) {
    if (!alreadyThere()) throw err; // lost a race to a concurrent install of the same content: fine
  }
}

// ---------------------------------------------------------------------------------------------------------
// Storage: KRaft needs `kafka-storage format` before the first start. A formatted dir is just two small
// files, so it is formatted once per version into a template and copied (saves a JVM start per broker).
// ---------------------------------------------------------------------------------------------------------

async function ensureStorageTemplate(libsDir, { log }) {
  const template = path.join(versionDir(), 'storage-template');
  if (fs.existsSync(path.join(template, 'meta.properties'))) return template;

  const staging = `${template}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    const logDir = path.join(staging, 'logs');
    const props = path.join(staging, 'server.properties');
    // Ports do not end up in the formatted files (static voters => no voter records), any value will do.
    fs.writeFileSync(props, serverProperties({ port: 9092, controllerPort: 9093, logDir }));
    const args = [
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      props,
      '--ignore-formatted',
    ];
    const result = await runCommand(javaCommand(), [
      ...baseJvmArgs({ fast: true }),
      '-cp',
      classpath(libsDir),
      ...args,
    ]);
    if (result.code !== 0 || !fs.existsSync(path.join(logDir, 'meta.properties'))) {
      throw new Error(`Formatting Kafka storage failed (exit ${result.code}):\n${tail(result.output, 40)}`);
    }
    publishDir(logDir, template, () => fs.existsSync(path.join(template, 'meta.properties')));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log('Formatted a KRaft storage template (first run only).');
  return template;
}

/** Same shape as Kafka's Uuid.randomUuid().toString(); computed here to save a JVM start. */
function newClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka refuses ids that look like command-line flags
  }
}

async function prepareLogDir(libsDir, logDir, { log, scram, propsFile }) {
  if (fs.existsSync(path.join(logDir, 'meta.properties'))) return; // a reused --data-dir keeps its data
  if (scram) return formatWithScramUsers(libsDir, propsFile, scram);
  const template = await ensureStorageTemplate(libsDir, { log });
  fs.cpSync(template, logDir, { recursive: true });
}

/**
 * SCRAM credentials live in the KRaft metadata log, and the only way to have them before the first
 * start (so that the broker can authenticate to itself) is `format --add-scram`: no shared template.
 */
async function formatWithScramUsers(libsDir, propsFile, scram) {
  const users = Object.entries(scram.users).flatMap(([name, password]) => [
    '--add-scram',
    `${scram.mechanism}=[name=${name},password=${password}]`,
  ]);
  const result = await runCommand(javaCommand(), [
    ...baseJvmArgs({ fast: true }),
    '-cp',
    classpath(libsDir),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    newClusterId(),
    '-c',
    propsFile,
    ...users,
  ]);
  if (result.code !== 0) {
    throw new Error(
      `Formatting Kafka storage with SCRAM users failed (exit ${result.code}):\n${tail(result.output, 40)}`,
    );
  }
}

/**
 * SASL/SCRAM on the client listener, with KRaft's StandardAuthorizer denying whatever no ACL allows.
 * The broker talks to itself as the super user; the controller listener stays PLAINTEXT on loopback,
 * so its anonymous principal must be a super user too.
 */
function scramProperties(scram, port, controllerPort) {
  const superUser = scram.superUser;
  return {
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': scram.mechanism,
    'sasl.mechanism.inter.broker.protocol': scram.mechanism,
    [`listener.name.sasl_plaintext.${scram.mechanism.toLowerCase()}.sasl.jaas.config`]: `org.apache.kafka.common.security.scram.ScramLoginModule required username="${superUser}" password="${scram.users[superUser]}";`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${superUser};User:ANONYMOUS`,
    'allow.everyone.if.no.acl.found': false,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------------------------------------

function serverProperties({ port, controllerPort, logDir, scram, extra = {} }) {
  const security = scram ? scramProperties(scram, port, controllerPort) : {};
  const props = {
    'process.roles': 'broker,controller',
    'node.id': NODE_ID,
    'controller.quorum.voters': `${NODE_ID}@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    // One broker: every internal topic must fit on it, and one partition makes the first group join fast.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Topics are created explicitly (and leaders awaited) so that a typo fails instead of auto-creating.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    // The log cleaner allocates this buffer on the heap at startup; the 128 MB default is a quarter of
    // our heap. 16 MB still cleans hundreds of thousands of keys per pass, far beyond a test's needs.
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    ...security,
    ...extra,
  };
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function javaCommand() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function classpath(libsDir) {
  return path.join(libsDir, '*'); // expanded by the java launcher, not by a shell
}

/** fast: JIT tier 1 only, which starts quicker but runs slower; benchmarks pass fast: false. */
function baseJvmArgs({ fast, log4jConfig = LOG4J_CONFIG }) {
  return [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseSerialGC', // 2 cores: parallel/G1 GC threads would only compete with the broker
    ...(fast ? ['-XX:TieredStopAtLevel=1'] : []),
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(log4jConfig).href}`,
  ];
}

/** TALLY_KAFKA_VERBOSE=1: the same logging config at INFO, written next to the broker's data. */
function verboseLog4jConfig(dir) {
  const file = path.join(dir, 'log4j-verbose.properties');
  const text = fs
    .readFileSync(LOG4J_CONFIG, 'utf8')
    .replace(/^log4j\.rootLogger=WARN\b/m, 'log4j.rootLogger=INFO');
  fs.writeFileSync(file, text);
  return file;
}

/**
 * AppCDS (a class-data archive) cuts broker startup by ~40% here: most of it is loading Scala/Kafka
 * classes. The archive is dumped by the first broker JVM on a graceful exit and used by every later one.
 * Returns JVM args plus what to do with the archive afterwards.
 */
function cdsPlan(libsDir, dataDir, enabled) {
  const archive = path.join(libsDir, CDS_ARCHIVE);
  if (!enabled) return { mode: 'off', archive, args: [] };
  if (fs.existsSync(archive)) return { mode: 'use', archive, args: [`-XX:SharedArchiveFile=${archive}`] };
  const dump = path.join(dataDir, CDS_ARCHIVE);
  // The dump logs hundreds of harmless "Skipping class" warnings; they would drown real broker output.
  return {
    mode: 'dump',
    archive,
    dump,
    args: [`-XX:ArchiveClassesAtExit=${dump}`, '-Xlog:cds=off,cds+dynamic=off'],
  };
}

/**
 * Publishes a freshly dumped archive. Only after a graceful JVM exit: JDK 17 crashes (SIGBUS) on a
 * truncated archive instead of ignoring it, so a half-written file must never reach the cache.
 */
function publishCdsArchive(plan, graceful) {
  if (plan.mode !== 'dump' || !fs.existsSync(plan.dump)) return;
  try {
    if (graceful && !fs.existsSync(plan.archive)) {
      const staging = `${plan.archive}.tmp-${process.pid}`;
      fs.copyFileSync(plan.dump, staging); // dataDir and cache may be on different filesystems
      fs.renameSync(staging, plan.archive);
    }
  } catch {
    // best effort: the next broker simply dumps again
  } finally {
    fs.rmSync(plan.dump, { force: true });
  }
}

/**
 * Prefixes the command with `setpriv --pdeathsig KILL` where available (Linux): the kernel then kills the
 * JVM even if this Node process dies by a signal, when no 'exit' handler of ours gets to run.
 */
let pdeathsigSupported;
function withOrphanGuard(command, args) {
  if (pdeathsigSupported === undefined) {
    pdeathsigSupported =
      process.platform === 'linux' &&
      /--pdeathsig/.test(spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout || '');
  }
  return pdeathsigSupported ? ['setpriv', ['--pdeathsig', 'KILL', command, ...args]] : [command, args];
}

// Parent-exit safety net: one 'exit' listener for all brokers of this process (SIGKILL is synchronous).
const liveBrokers = new Set();
let exitHookInstalled = false;
function trackUntilExit(entry) {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const { child, cleanup } of liveBrokers) {
        try {
          child.kill('SIGKILL');
          cleanup();
        } catch {
          // process is exiting anyway
        }
      }
    });
  }
  liveBrokers.add(entry);
  return () => liveBrokers.delete(entry);
}

const LOG4J_LINE = /^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) /;
// Warnings that every healthy single-node start/stop prints; forwarding them would teach people to ignore WARNs.
const ROUTINE_WARNINGS = [
  'Performing controller activation. The metadata log appears to be empty',
  'Attempting to close NetworkClient that has already been closed',
];

/**
 * Reads the JVM's output line by line. Forwards to `log` only WARN/ERROR lines and, of their stack traces,
 * the "Caused by:" lines (everything with TALLY_KAFKA_VERBOSE=1), plus whatever the JVM prints before
 * log4j is up. Keeps recent lines and recent problems for error messages.
 */
function watchOutput(child, { log, verbose }) {
  const recent = [];
  const problems = [];
  const listeners = [];
  let inProblem = true; // output before the first log4j line comes from the JVM itself: always relevant
  const remember = (list, line, max) => {
    list.push(line);
    if (list.length > max) list.shift();
  };
  const onLine = (line) => {
    remember(recent, line, 40);
    const level = LOG4J_LINE.exec(line)?.[1];
    if (level) {
      const serious = level === 'WARN' || level === 'ERROR' || level === 'FATAL';
      inProblem = serious && !ROUTINE_WARNINGS.some((routine) => line.includes(routine));
    }
    const headline = level || !/^\s+(at |\.\.\. \d+ more)/.test(line); // not a stack frame
    if (inProblem && headline) remember(problems, line, 20);
    if (verbose || (inProblem && headline)) log(`[kafka] ${line}`);
    for (const listener of listeners) listener(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', onLine);
  }
  return { recent, problems, onLine: (listener) => listeners.push(listener) };
}

function waitForReady(child, output, timeoutMs) {
  return new Promise((resolve, reject) => {
    const finish = (err) => {
      clearTimeout(timer);
      child.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const failure = (why) => {
      const [title, lines] = output.problems.length
        ? ['Broker warnings/errors', output.problems]
        : ['Last broker output', output.recent];
      const err = new Error(`Kafka broker ${why}. ${title}:\n${lines.join('\n') || '(none)'}`);
      err.brokerOutput = output.recent.slice();
      return err;
    };
    const onClose = (code, signal) =>
      finish(failure(`exited (${signal || `code ${code}`}) before it was ready`));
    const timer = setTimeout(() => finish(failure(`was not ready within ${timeoutMs} ms`)), timeoutMs);
    child.on('close', onClose); // 'close' rather than 'exit': waits until the last output lines were read
    child.once('error', (err) => finish(failure(`could not be started: ${err.message}`)));
    output.onLine((line) => line.includes(READY_LINE) && finish());
  });
}

/** SIGTERM (Kafka shuts down cleanly), then SIGKILL after graceMs. Resolves once the process is gone. */
async function terminate(child, exited, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, graceMs, 'timeout')));
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return outcome;
  child.kill('SIGKILL');
  return exited;
}

/**
 * The first consumer group and the first idempotent producer make a fresh broker do one-time work
 * (create __consumer_offsets, fetch a block of producer ids); meanwhile kafkajs retries with a 300 ms
 * backoff and logs ERRORs that look like real failures in test output. Doing it here, with short
 * retries, is faster and keeps that noise out. kafkajs is optional: without it this is skipped.
 */
/** kafkajs client settings for the super user of a SCRAM broker. */
const saslOf = (scram) => ({
  mechanism: scram.mechanism.toLowerCase(),
  username: scram.superUser,
  password: scram.users[scram.superUser],
});

async function primeCoordinators(brokers, { log, sasl }) {
  let kafkajs;
  try {
    kafkajs = require('kafkajs');
  } catch {
    return false;
  }
  const retry = { retries: 30, initialRetryTime: 50, maxRetryTime: 500 };
  const kafka = new kafkajs.Kafka({
    clientId: 'tally-local-broker',
    brokers: [brokers],
    logLevel: kafkajs.logLevel.NOTHING,
    retry,
    ...(sasl ? { sasl } : {}),
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  try {
    await Promise.all([
      admin.connect().then(() => admin.describeGroups(['tally-local-broker-warmup'])), // FindCoordinator creates __consumer_offsets
      producer.connect(), // idempotent: InitProducerId
    ]);
    return true;
  } catch (err) {
    log(`[kafka] warm-up failed, continuing (clients will retry): ${err.message}`);
    return false;
  } finally {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  }
}

/**
 * Temp data dirs carry their owner's pid. A SIGKILLed owner cannot clean up after itself (the JVM still
 * dies, see withOrphanGuard), so the next start removes dirs whose owner is gone.
 */
function removeOrphanedDataDirs() {
  const pattern = new RegExp(`^${TEMP_PREFIX}(\\d+)-`);
  for (const name of fs.readdirSync(os.tmpdir())) {
    const owner = pattern.exec(name)?.[1];
    if (owner && !isAlive(Number(owner))) {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // exists, owned by someone else
  }
}

async function freeLoopbackPorts(count) {
  const servers = [];
  try {
    // All held open at once, so the ports are distinct.
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * Starts a single-node KRaft broker+controller on 127.0.0.1 and resolves once it accepts clients.
 * Options: port / controllerPort (0 = any free port), dataDir (default: a temp dir removed on stop),
 * log, fast (default true), timeoutMs (default 60 s), cds (default true), warmUp (default true),
 * properties (extra server.properties), scram ({ mechanism: 'SCRAM-SHA-256', users: { name: password },
 * superUser }: SASL/SCRAM on the client listener with an ACL authorizer; the result then has `sasl`,
 * the super user's kafkajs settings).
 */
async function startBroker(options = {}) {
  const {
    port = 0,
    controllerPort = 0,
    dataDir,
    log = defaultLog,
    fast = true,
    timeoutMs = 60_000,
    cds = true,
    warmUp = true,
    properties = {},
    scram,
  } = options;
  if (scram && !scram.users?.[scram.superUser]) throw new Error('scram.superUser must be one of scram.users');
  const verbose = process.env.TALLY_KAFKA_VERBOSE === '1';
  const libsDir = await installBroker({ log });

  const ownsDataDir = !dataDir;
  if (ownsDataDir) removeOrphanedDataDirs();
  const dir = ownsDataDir
    ? fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`))
    : path.resolve(dataDir);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const [freePort, freeControllerPort] = await freeLoopbackPorts(2);
    const ports = { port: port || freePort, controllerPort: controllerPort || freeControllerPort };
    if (ports.port === ports.controllerPort) {
      throw new Error(`port and controllerPort must differ (${ports.port})`);
    }

    const logDir = path.join(dir, 'logs');
    const propsFile = path.join(dir, 'server.properties');
    fs.writeFileSync(propsFile, serverProperties({ ...ports, logDir, scram, extra: properties }));
    await prepareLogDir(libsDir, logDir, { log, scram, propsFile });

    const broker = await launchWithCdsFallback({
      libsDir,
      dir,
      propsFile,
      ports,
      ownsDataDir,
      log,
      verbose,
      fast,
      timeoutMs,
      cds,
    });
    if (warmUp) {
      const start = process.hrtime.bigint();
      await primeCoordinators(broker.brokers, { log, sasl: scram && saslOf(scram) });
      broker.warmUpMs = Number(process.hrtime.bigint() - start) / 1e6;
    }
    if (scram) broker.sasl = saslOf(scram);
    return broker;
  } catch (err) {
    if (ownsDataDir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launchWithCdsFallback(settings) {
  try {
    return await launchBroker(settings);
  } catch (err) {
    if (!err.cdsCrash) throw err;
    // A damaged class-data archive crashes the JVM at boot; drop it (the next clean stop re-creates it).
    fs.rmSync(path.join(settings.libsDir, CDS_ARCHIVE), { force: true });
    settings.log('Kafka JVM crashed while loading its class-data archive; removed it, retrying without.');
    return launchBroker({ ...settings, cds: false });
  }
}

async function launchBroker({
  libsDir,
  dir,
  propsFile,
  ports,
  ownsDataDir,
  log,
  verbose,
  fast,
  timeoutMs,
  cds,
}) {
  const plan = cdsPlan(libsDir, dir, cds);
  const jvmArgs = [
    ...baseJvmArgs({ fast, log4jConfig: verbose ? verboseLog4jConfig(dir) : LOG4J_CONFIG }),
    ...plan.args,
    '-cp',
    classpath(libsDir),
    'kafka.Kafka',
    propsFile,
  ];
  const [command, args] = withOrphanGuard(javaCommand(), jvmArgs);

  const spawnedAt = process.hrtime.bigint();
  // cwd = dataDir: a JVM crash report (hs_err_pid*.log) lands there instead of in the caller's cwd.
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = watchOutput(child, { log, verbose });

  const exited = new Promise((resolve) => {
    // A JVM that never started (e.g. no java on PATH) emits only 'error'; stop() must not wait forever.
    child.once('error', (error) => child.pid === undefined && resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => {
      // 143/130: the JVM ran its shutdown hooks after our SIGTERM / a terminal's SIGINT.
      publishCdsArchive(plan, code === 0 || code === 143 || code === 130);
      resolve({ code, signal });
    });
  });
  const untrack = trackUntilExit({
    child,
    cleanup: () => ownsDataDir && fs.rmSync(dir, { recursive: true, force: true }),
  });

  if (plan.mode === 'use') {
    // The JVM ignores an archive from another JDK build or classpath (and says so); drop it so the next
    // clean stop dumps a matching one instead of every start running without it.
    output.onLine(
      (line) =>
        /\[cds.*(Unable to use shared archive|mismatch)/i.test(line) &&
        fs.rmSync(plan.archive, { force: true }),
    );
  }

  try {
    await waitForReady(child, output, timeoutMs);
  } catch (err) {
    await terminate(child, exited, 0);
    untrack();
    err.cdsCrash =
      plan.mode === 'use' && output.recent.some((line) => line.includes('A fatal error has been detected'));
    throw err;
  }
  const startupMs = Number(process.hrtime.bigint() - spawnedAt) / 1e6;

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      await terminate(child, exited, STOP_GRACE_MS);
      untrack();
      if (ownsDataDir) fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  exited.then(({ code, signal }) => {
    if (!stopping) log(`[kafka] broker exited unexpectedly (${signal || `code ${code}`})`);
  });

  return {
    brokers: `127.0.0.1:${ports.port}`,
    port: ports.port,
    controllerPort: ports.controllerPort,
    pid: child.pid,
    dataDir: dir,
    startupMs,
    exited,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers and CLI
// ---------------------------------------------------------------------------------------------------------

/** Runs a command to completion, collecting stdout+stderr. Rejects only if it cannot be spawned. */
function runCommand(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function cliStart(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '9092' },
      'controller-port': { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'no-fast': { type: 'boolean', default: false },
    },
  });
  const broker = await startBroker({
    port: Number(values.port),
    controllerPort: Number(values['controller-port']),
    dataDir: values['data-dir'],
    fast: !values['no-fast'],
  });
  console.log(`Kafka ${kafkaVersion()} ready on ${broker.brokers}`);

  let signals = 0;
  const shutdown = async (signal) => {
    if (++signals > 1) process.exit(1); // second Ctrl+C: give up waiting (the exit hook SIGKILLs the JVM)
    console.log(`${signal}: stopping Kafka...`);
    await broker.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const { code, signal } = await broker.exited;
  if (!signals) {
    console.error(`Kafka exited on its own (${signal || `code ${code}`})`);
    process.exit(1);
  }
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === 'install') {
    console.log(`Kafka ${kafkaVersion()} jars in ${await installBroker()}`);
  } else if (command === 'start') {
    await cliStart(rest);
  } else {
    console.error(
      'usage: node infra/kafka/local-broker.js install | start [--port 9092] [--controller-port N] [--data-dir DIR] [--no-fast]',
    );
    process.exit(2);
  }
}

module.exports = { installBroker, startBroker, kafkaVersion };

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
