/**
 * Follows one PostgreSQL connection's wire protocol (v3, no TLS) through a proxy, to drop the reply to a
 * commit: the commit reaches the server and happens, the client never learns it did ("ambiguous
 * commit"). A commit is a `COMMIT` sent inside a transaction block, or a write (INSERT, UPDATE, DELETE,
 * WITH) sent outside one, which commits on its own (the event store's group commit is one such
 * statement). The server's ReadyForQuery ('Z') says which of the two the connection is in.
 *
 * Once a commit is seen while `armed()` says yes, everything the server sends is held back until its
 * ReadyForQuery (by then the commit is durable), and then `onDropped` is called: the proxy destroys
 * both sockets without forwarding the reply, as a network that failed at that moment would.
 */
export class CommitReplyDropper {
  private readonly fromClient = new MessageReader(true);
  private readonly fromServer = new MessageReader(false);
  /** 'I' idle, 'T' in a transaction block, 'E' in a failed one (PostgreSQL's ReadyForQuery status). */
  private status = 'I';
  private dropping = false;

  constructor(
    /** Asked at each commit seen: should this one's reply be dropped? (Consumes a drop if so.) */
    private readonly armed: () => boolean,
    private readonly onDropped: () => void,
  ) {}

  /** Bytes from the client, before they are forwarded (they always are). */
  clientData(chunk: Buffer): void {
    for (const { type, body } of this.fromClient.read(chunk)) {
      if (this.dropping) continue;
      const sql =
        type === 'Q' ? cString(body, 0) : type === 'P' ? cString(body, cStringEnd(body, 0) + 1) : '';
      if (sql && this.commits(sql) && this.armed()) this.dropping = true;
    }
  }

  /** Bytes from the server: true when they may be forwarded, false when they are part of a dropped reply. */
  serverData(chunk: Buffer): boolean {
    const wasDropping = this.dropping;
    for (const { type, body } of this.fromServer.read(chunk)) {
      if (type !== 'Z') continue;
      this.status = String.fromCharCode(body[0]);
      if (this.dropping) {
        this.onDropped();
        return false;
      }
    }
    return !wasDropping && !this.dropping;
  }

  private commits(sql: string): boolean {
    const statement = sql.trimStart().slice(0, 16).toUpperCase();
    if (this.status === 'T') return /^(COMMIT|END)\b/.test(statement);
    return this.status === 'I' && /^(INSERT|UPDATE|DELETE|WITH)\b/.test(statement);
  }
}

/** Splits a byte stream into protocol messages; the client's first message (startup) has no type byte. */
class MessageReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private untypedFirst: boolean) {}

  *read(chunk: Buffer): Generator<{ type: string; body: Buffer }> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const header = this.untypedFirst ? 0 : 1;
      if (this.pending.length < header + 4) return;
      const length = this.pending.readInt32BE(header);
      if (this.pending.length < header + length) return;
      const type = header === 0 ? '' : String.fromCharCode(this.pending[0]);
      const body = this.pending.subarray(header + 4, header + length);
      this.pending = this.pending.subarray(header + length);
      // An SSLRequest or GSSENCRequest would be followed by another untyped startup message.
      if (header === 0) this.untypedFirst = false;
      yield { type, body };
    }
  }
}

const cStringEnd = (buffer: Buffer, from: number) => {
  const end = buffer.indexOf(0, from);
  return end < 0 ? buffer.length : end;
};
const cString = (buffer: Buffer, from: number) => buffer.toString('utf8', from, cStringEnd(buffer, from));
