/**
 * A tiny scripted ESL peer over real TCP for tests that must not depend on the simulator:
 * it plays FreeSWITCH's side (inbound listener, or the outbound `socket` dialler) and answers
 * each command with frames the test supplies, usually copied from the real fixtures.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ReceivedCommand {
  /** First line, e.g. `api status`, `sendmsg`. */
  line: string;
  headers: Record<string, string>;
}

export type CommandHandler = (cmd: ReceivedCommand, peer: ScriptedPeer) => void;

/** One TCP connection, FreeSWITCH side. */
export class ScriptedPeer {
  readonly commands: ReceivedCommand[] = [];
  #buffer = '';
  #handler: CommandHandler;

  constructor(
    readonly socket: Socket,
    handler: CommandHandler,
  ) {
    this.#handler = handler;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
  }

  send(frame: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  setHandler(handler: CommandHandler): void {
    this.#handler = handler;
  }

  #onData(chunk: Buffer): void {
    this.#buffer += chunk.toString('utf8');
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const text = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const [line = '', ...rest] = text.split('\n');
      const headers: Record<string, string> = {};
      for (const h of rest) {
        const i = h.indexOf(': ');
        if (i > 0) headers[h.slice(0, i)] = h.slice(i + 2);
      }
      const cmd = { line, headers };
      this.commands.push(cmd);
      this.#handler(cmd, this);
    }
  }
}

/** FreeSWITCH's inbound ESL listener, scripted. Sends auth/request on connect. */
export class ScriptedInboundServer {
  readonly peers: ScriptedPeer[] = [];
  #server: Server;
  #port = 0;

  private constructor(private handler: CommandHandler) {
    this.#server = createServer((socket) => {
      const peer = new ScriptedPeer(socket, (cmd, p) => this.handler(cmd, p));
      this.peers.push(peer);
      peer.send('Content-Type: auth/request\n\n');
    });
  }

  static async start(handler: CommandHandler, port = 0): Promise<ScriptedInboundServer> {
    const s = new ScriptedInboundServer(handler);
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject);
      s.#server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = s.#server.address();
    s.#port = typeof addr === 'object' && addr ? addr.port : port;
    return s;
  }

  get port(): number {
    return this.#port;
  }

  setHandler(handler: CommandHandler): void {
    this.handler = handler;
  }

  /** Drops every connection and stops listening (simulates FreeSWITCH going away). */
  async close(): Promise<void> {
    for (const p of this.peers) p.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** FreeSWITCH's side of an outbound socket: dials the server and answers its commands. */
export function dialOutbound(port: number, handler: CommandHandler): Promise<ScriptedPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(new ScriptedPeer(socket, handler)));
    socket.once('error', reject);
  });
}

export const frames = {
  commandReply(text: string, extra: Record<string, string> = {}): string {
    const lines = ['Content-Type: command/reply', `Reply-Text: ${text}`, ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`)];
    return `${lines.join('\n')}\n\n`;
  },
  apiResponse(body: string): string {
    return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
  },
  jsonEvent(event: Record<string, unknown>): string {
    const json = JSON.stringify(event);
    return `Content-Length: ${Buffer.byteLength(json)}\nContent-Type: text/event-json\n\n${json}`;
  },
  disconnectNotice(): string {
    const body = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
    return `Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
  },
};

/** The JSON object inside a text/event-json fixture frame. */
export function jsonOf(frame: string): Record<string, unknown> {
  return JSON.parse(frame.slice(frame.indexOf('\n\n') + 2)) as Record<string, unknown>;
}

/** Rewrites text inside a text/event-plain frame and recomputes its outer Content-Length. */
export function rewritePlainFrame(frame: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  const split = frame.indexOf('\n\n');
  const head = frame.slice(0, split);
  let body = frame.slice(split + 2);
  for (const [from, to] of replacements) body = body.split(from).join(to);
  return `${head.replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(body)}`)}\n\n${body}`;
}

/** Resolves when `predicate()` is true, polling on the event loop (no wall-clock assertions). */
export async function until(predicate: () => boolean, what = 'condition', maxMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
