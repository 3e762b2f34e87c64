import net from 'node:net';

/**
 * A deliberately dumb ESL peer for tests: raw bytes in, frames out. Fidelity is judged
 * on the bytes, so this does not use the production ESL client.
 */
export interface Frame {
  /** The raw frame text (headers, blank line, body). */
  raw: string;
  headers: Map<string, string>;
  body: string;
}

export function parseFrameHead(head: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of head.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

/** Splits a byte stream into ESL frames (header block + Content-Length body). */
export class FrameReader {
  private buf = Buffer.alloc(0);

  push(d: Buffer): Frame[] {
    this.buf = Buffer.concat([this.buf, d]);
    const out: Frame[] = [];
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) break;
      const head = this.buf.subarray(0, end).toString('utf8');
      const headers = parseFrameHead(head);
      const len = parseInt(headers.get('Content-Length') ?? '0', 10) || 0;
      if (this.buf.length < end + 2 + len) break;
      const body = this.buf.subarray(end + 2, end + 2 + len).toString('utf8');
      out.push({ raw: this.buf.subarray(0, end + 2 + len).toString('utf8'), headers, body });
      this.buf = this.buf.subarray(end + 2 + len);
    }
    return out;
  }
}

export class RawClient {
  readonly frames: Frame[] = [];
  private readonly reader = new FrameReader();
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.frames.push(...this.reader.push(d));
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  static wrap(socket: net.Socket): RawClient {
    return new RawClient(socket);
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Sends a command (adds the blank line). */
  cmd(line: string): void {
    this.socket.write(line.endsWith('\n\n') ? line : `${line}\n\n`);
  }

  /** Waits for (and removes) the first frame matching `pred`. */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0] as Frame;
      if (this.closed) throw new Error('connection closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for a frame');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The next non-event frame (a reply). */
  reply(timeoutMs?: number): Promise<Frame> {
    return this.next((f) => !(f.headers.get('Content-Type') ?? '').startsWith('text/event'), timeoutMs);
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Parses an event frame's body into [name, value] pairs (json/plain/xml). */
export function eventHeaders(f: Frame): Array<[string, string | string[]]> {
  const ct = f.headers.get('Content-Type');
  if (ct === 'text/event-json') {
    return Object.entries(JSON.parse(f.body) as Record<string, string | string[]>);
  }
  if (ct === 'text/event-plain') {
    const head = f.body.split('\n\n')[0] ?? '';
    return head.split('\n').filter(Boolean).map((l) => {
      const i = l.indexOf(': ');
      return [l.slice(0, i), decodeURIComponent(l.slice(i + 2))];
    });
  }
  if (ct === 'text/event-xml') {
    const out: Array<[string, string]> = [];
    const re = /<([^<>/\s]+)>([^<]*)<\/\1>/g;
    const headers = f.body.split('</headers>')[0] ?? '';
    let m: RegExpExecArray | null;
    while ((m = re.exec(headers))) out.push([m[1] as string, decodeURIComponent(m[2] as string)]);
    return out;
  }
  return [];
}

export function eventName(f: Frame): string {
  const h = eventHeaders(f);
  const name = h.find(([k]) => k === 'Event-Name')?.[1];
  return typeof name === 'string' ? name : '';
}

export function header(f: Frame, name: string): string | undefined {
  const v = eventHeaders(f).find(([k]) => k === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}
