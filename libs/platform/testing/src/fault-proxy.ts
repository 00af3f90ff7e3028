import net from 'node:net';
import { once } from 'node:events';
import { CommitReplyDropper } from './commit-reply-dropper';

export type ProxyMode = 'pass' | 'stall' | 'refuse';

/**
 * A TCP proxy on loopback between a service and one of its dependencies, for fault injection:
 * - `cut()` resets every open connection (the dependency "restarted" under the client);
 * - `mode = 'stall'` keeps connections open but forwards nothing (a hung dependency);
 * - `mode = 'refuse'` resets new connections as they arrive (the dependency is down);
 * - `mode = 'pass'` forwards again;
 * - `dropReplyTo(pattern)` forwards the next request whose bytes match `pattern` (e.g. a COMMIT), then
 *   drops its reply and resets that connection: the server did the work, the client never hears of it;
 * - `dropCommitReplies(n)` does so for the next `n` PostgreSQL commits (a `COMMIT`, or a write that
 *   commits on its own), following the wire protocol: the reply is held until the server is ready for
 *   the next query (the commit is durable by then), then dropped and the connection reset.
 */
export class FaultProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private current: ProxyMode = 'pass';
  private dropping?: { pattern: RegExp; done: () => void };
  private commitRepliesToDrop = 0;
  /** Commit replies dropped by `dropCommitReplies` since the proxy started. */
  droppedCommitReplies = 0;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async listen(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  set mode(mode: ProxyMode) {
    this.current = mode;
    for (const [client, upstream] of this.pairs) {
      if (mode === 'stall') {
        client.pause();
        upstream.pause();
      } else {
        client.resume();
        upstream.resume();
      }
    }
  }

  /** Resolves once a request matching `pattern` has been forwarded and its reply dropped. */
  dropReplyTo(pattern: RegExp): Promise<void> {
    return new Promise((done) => (this.dropping = { pattern, done }));
  }

  /** Drops the replies to the next `count` commits, on whichever connections they happen. */
  dropCommitReplies(count: number): void {
    this.commitRepliesToDrop = count;
  }

  /** The local ports of the proxy's connections to the target: what the target sees as client ports. */
  upstreamPorts(): number[] {
    return [...this.pairs].flatMap(([, upstream]) => (upstream.localPort ? [upstream.localPort] : []));
  }

  cut(): void {
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(client: net.Socket): void {
    if (this.current === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    const reset = () => {
      this.pairs.delete(pair);
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    let replyDropped: (() => void) | undefined;
    const commits = new CommitReplyDropper(
      () => this.commitRepliesToDrop > 0 && this.commitRepliesToDrop-- > 0,
      () => {
        this.droppedCommitReplies++;
        reset();
      },
    );
    client.on('data', (chunk: Buffer) => {
      commits.clientData(chunk);
      if (!this.dropping?.pattern.test(chunk.toString('latin1'))) return;
      replyDropped = this.dropping.done;
      this.dropping = undefined;
    });
    client.pipe(upstream);
    // By hand rather than piped, so that a dropped reply is never written to the client.
    upstream.on('data', (chunk: Buffer) => {
      if (replyDropped) {
        reset();
        replyDropped();
        return;
      }
      if (commits.serverData(chunk) && !client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => {
      if (this.current !== 'stall') upstream.resume();
    });
    if (this.current === 'stall') {
      client.pause();
      upstream.pause();
    }
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}
