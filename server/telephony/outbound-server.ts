import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../logging/logger';
import type { ChannelSnapshot } from './channel-snapshot';
import { OutboundSession, type OutboundSessionOptions } from './outbound-session';
import { TypedEmitter } from '../platform/typed-emitter';

export interface OutboundServerOptions {
  /** Address FreeSWITCH's `socket` application dials. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  session?: Omit<OutboundSessionOptions, 'logger'>;
}

export type OutboundServerEvents = {
  /** A call's session finished setup (connect, myevents, linger) and is ready for execute(). */
  session: [session: OutboundSession, channel: ChannelSnapshot];
  /** Setup broke after `connect` named the channel: FreeSWITCH would keep it parked in `socket` for ever. */
  abandoned: [uuid: string];
};

/**
 * Accepts FreeSWITCH's outbound Event Socket connections (`socket HOST:PORT async full`),
 * one per call. Owns its sessions: they are dropped from the map when they close, and
 * closed (with `exit`) when the server closes.
 */
export class EslOutboundServer extends TypedEmitter<OutboundServerEvents> {
  readonly #server: Server;
  readonly #opts: OutboundServerOptions;
  readonly #log: Logger;
  readonly #sessions = new Map<string, OutboundSession>();
  #closing: Promise<void> | undefined;

  constructor(opts: OutboundServerOptions) {
    const log = opts.logger.child({ component: 'esl-outbound' });
    super(log);
    this.#opts = opts;
    this.#log = log;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port, this.#opts.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        const addr = this.#server.address();
        const port = typeof addr === 'object' && addr ? addr.port : this.#opts.port;
        this.#log.info({ port }, 'outbound ESL server listening');
        resolve(port);
      });
    });
  }

  /** Uuids of the channels whose sessions are open now (setup finished or not). */
  servedUuids(): Set<string> {
    const out = new Set<string>();
    for (const s of this.#sessions.values()) if (s.knownUuid) out.add(s.knownUuid);
    return out;
  }

  /** Sessions currently open (setup may still be running). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  sessions(): OutboundSession[] {
    return [...this.#sessions.values()];
  }

  /** Stops accepting, then closes every session (exit). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      await Promise.all([...this.#sessions.values()].map((s) => s.close()));
      await stopped;
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const session = new OutboundSession(socket, { ...this.#opts.session, logger: this.#log });
    this.#sessions.set(session.id, session);
    session.on('closed', () => this.#sessions.delete(session.id));
    session.setup().then(
      (channel) => this.safeEmit('session', session, channel),
      // setup() already logged and destroyed the socket; nothing else owns this session.
      () => {
        this.#sessions.delete(session.id);
        if (session.knownUuid) this.safeEmit('abandoned', session.knownUuid);
      },
    );
  }
}
