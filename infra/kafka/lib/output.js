// @ts-check
'use strict';
/** The broker JVM's output: what reaches the caller's log, and when the broker is ready. */

const readline = require('node:readline');

/**
 * @typedef {import('./types').Log} Log
 * @typedef {{ recent: string[], problems: string[], onLine: (listener: (line: string) => void) => void }} WatchedOutput
 */

const READY_LINE = 'Kafka Server started';
const LOG4J_LINE = /^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) /;
// Warnings that every healthy start/stop prints; forwarding them would teach people to ignore WARNs.
const ROUTINE_WARNINGS = [
  'Performing controller activation. The metadata log appears to be empty',
  'Performing controller activation. Loaded ZK migration state of NONE',
  'Attempting to close NetworkClient that has already been closed',
];

/**
 * Reads the JVM's output line by line. Forwards to `log` only WARN/ERROR lines and, of their stack traces,
 * the "Caused by:" lines (everything with TALLY_KAFKA_VERBOSE=1), plus whatever the JVM prints before
 * log4j is up. Keeps recent lines and recent problems for error messages.
 * @param {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>} child
 * @param {{ log: Log, verbose: boolean, prefix?: string }} options
 * @returns {WatchedOutput}
 */
function watchOutput(child, { log, verbose, prefix = '[kafka]' }) {
  /** @type {string[]} */
  const recent = [];
  /** @type {string[]} */
  const problems = [];
  /** @type {((line: string) => void)[]} */
  const listeners = [];
  let inProblem = true; // output before the first log4j line comes from the JVM itself: always relevant
  /** @type {(list: string[], line: string, max: number) => void} */
  const remember = (list, line, max) => {
    list.push(line);
    if (list.length > max) list.shift();
  };
  /** @param {string} line */
  const onLine = (line) => {
    remember(recent, line, 40);
    const level = LOG4J_LINE.exec(line)?.[1];
    if (level) {
      const serious = level === 'WARN' || level === 'ERROR' || level === 'FATAL';
      inProblem = serious && !ROUTINE_WARNINGS.some((routine) => line.includes(routine));
    }
    const headline = level || !/^\s+(at |\.\.\. \d+ more)/.test(line); // not a stack frame
    if (inProblem && headline) remember(problems, line, 20);
    if (verbose || (inProblem && headline)) log(`${prefix} ${line}`);
    for (const listener of listeners) listener(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', onLine);
  }
  return { recent, problems, onLine: (listener) => listeners.push(listener) };
}

/** An error carrying the broker's last output lines. */
class BrokerStartError extends Error {
  /**
   * @param {string} message
   * @param {string[]} brokerOutput
   */
  constructor(message, brokerOutput) {
    super(message);
    this.brokerOutput = brokerOutput;
    this.cdsCrash = false;
  }
}

/**
 * Resolves on the "Kafka Server started" line; rejects if the JVM exits first or the time runs out.
 * @param {import('node:child_process').ChildProcess} child
 * @param {WatchedOutput} output
 * @param {number} timeoutMs
 * @returns {Promise<void>}
 */
function waitForReady(child, output, timeoutMs) {
  return new Promise((resolve, reject) => {
    /** @param {Error} [err] */
    const finish = (err) => {
      clearTimeout(timer);
      child.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    /** @param {string} why */
    const failure = (why) => {
      const [title, lines] = output.problems.length
        ? ['Broker warnings/errors', output.problems]
        : ['Last broker output', output.recent];
      return new BrokerStartError(
        `Kafka broker ${why}. ${title}:\n${lines.join('\n') || '(none)'}`,
        output.recent.slice(),
      );
    };
    /** @type {(code: number | null, signal: NodeJS.Signals | null) => void} */
    const onClose = (code, signal) =>
      finish(failure(`exited (${signal || `code ${code}`}) before it was ready`));
    const timer = setTimeout(() => finish(failure(`was not ready within ${timeoutMs} ms`)), timeoutMs);
    child.on('close', onClose); // 'close' rather than 'exit': waits until the last output lines were read
    child.once('error', (err) => finish(failure(`could not be started: ${err.message}`)));
    output.onLine((line) => line.includes(READY_LINE) && finish());
  });
}

module.exports = { watchOutput, waitForReady, BrokerStartError };
