/**
 * Parses what ESL clients send, the way mod_event_socket's read_packet does:
 * leading blank lines are skipped, a command ends at two consecutive LFs (CRs are
 * ignored when counting), the first line is the command, the following `Name: value`
 * lines are headers, and a `Content-Length` header pulls in that many body bytes.
 * Anything else (garbage, binary, lines without a colon) is tolerated, never thrown.
 */
export interface ClientCommand {
  /** The first line, without CR/LF. */
  command: string;
  headers: Array<[string, string]>;
  body?: string;
}

/** read_packet's max_len: a header block this long is cut off and parsed as is. */
const MAX_HEAD_BYTES = 10 * 1024 * 1024;

export class CommandParser {
  private head: number[] = [];
  private crcount = 0;
  private pending: { cmd: ClientCommand; remaining: number; chunks: Buffer[] } | undefined;

  /** Feeds bytes; returns every command completed by them. */
  push(data: Buffer): ClientCommand[] {
    const done: ClientCommand[] = [];
    let i = 0;
    while (i < data.length) {
      if (this.pending) {
        const take = Math.min(this.pending.remaining, data.length - i);
        this.pending.chunks.push(data.subarray(i, i + take));
        this.pending.remaining -= take;
        i += take;
        if (this.pending.remaining === 0) {
          this.pending.cmd.body = Buffer.concat(this.pending.chunks).toString('utf8');
          done.push(this.pending.cmd);
          this.pending = undefined;
        }
        continue;
      }
      const b = data[i++] as number;
      if (this.head.length === 0 && (b === 0x0d || b === 0x0a)) continue; // "bah": skip leading blank lines
      this.head.push(b);
      if (b === 0x0a) this.crcount++;
      else if (b !== 0x0d) this.crcount = 0;
      if (this.crcount >= 2 || this.head.length >= MAX_HEAD_BYTES) {
        const text = Buffer.from(this.head).toString('utf8');
        this.head = [];
        this.crcount = 0;
        const { cmd, contentLength } = parseHead(text);
        if (contentLength > 0) {
          this.pending = { cmd, remaining: contentLength, chunks: [] };
        } else {
          done.push(cmd);
        }
      }
    }
    return done;
  }
}

function parseHead(text: string): { cmd: ClientCommand; contentLength: number } {
  const lines = text.split(/\r?\n|\r/);
  const command = lines[0] ?? '';
  const headers: Array<[string, string]> = [];
  let contentLength = 0;
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue; // FreeSWITCH drops lines without a value
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ +/, '');
    headers.push([name, value]);
    if (name.toLowerCase() === 'content-length') {
      const n = parseInt(value, 10);
      contentLength = Number.isFinite(n) && n > 0 ? Math.min(n, MAX_HEAD_BYTES) : 0;
    }
  }
  return { cmd: { command, headers }, contentLength };
}

export function header(cmd: ClientCommand, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of cmd.headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}
