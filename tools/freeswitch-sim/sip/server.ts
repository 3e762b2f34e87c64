import type { Logger } from 'pino';
import type { Engine } from '../core/engine';
import { ALLOW, commonHeaders, newBranch } from './constants';
import type { Directory } from './directory';
import { cseqOf, header, responseTo, topBranch, type SipRequest, type SipResponse } from './message';
import { Registrar } from './registrar';
import { WsTransport, type SipConnection } from './transport';

/**
 * The simulator's SIP side: the internal profile's WS binding, its registrar and the
 * INVITE dialogs towards registered browsers. Client transactions are matched by
 * top-Via branch + CSeq method; over a reliable transport nothing is retransmitted
 * (RFC 3261 §17.1.1.2), so a transaction is just "wait for responses, give up after 32 s".
 */
export interface SipOptions {
  /** 127.0.0.1 unless given. */
  host?: string;
  /** FreeSWITCH's ws-binding is :5066; 0 = ephemeral. */
  port: number;
  directory: Directory;
  /** A 16-bit PCM WAV that legs hear instead of the tone. */
  audioFile?: string;
  /** Seconds past `expires` before a registration expires (sofia's expires late margin; 60 on FreeSWITCH). */
  expireMarginSec?: number;
  /** Nonce lifetime (sofia nonce-ttl, 60 s). */
  nonceTtlSec?: number;
  log: Logger;
}

export interface ClientTransaction {
  /** Resolves with the final response; provisional ones go to `onProvisional`. Rejects after 32 s or when the connection closes. */
  final: Promise<SipResponse>;
}

/** Something that owns a dialog (sip/call.ts): in-dialog requests with its Call-ID go to it. */
export interface DialogHandler {
  request(conn: SipConnection, req: SipRequest): void;
}

const TIMER_B_MS = 32_000;

export class SipServer {
  private readonly transport: WsTransport;
  readonly registrar: Registrar;
  private readonly pending = new Map<string, { provisional?: (r: SipResponse) => void; resolve: (r: SipResponse) => void; reject: (e: Error) => void; conn: SipConnection }>();
  readonly dialogs = new Map<string, DialogHandler>();
  private cseq = Math.floor(Math.random() * 10_000);

  constructor(readonly engine: Engine, readonly opts: SipOptions) {
    this.transport = new WsTransport({ message: (c, m) => (m.kind === 'request' ? this.onRequest(c, m) : this.onResponse(m)), closed: (c) => this.onClosed(c) }, opts.log);
    this.registrar = new Registrar(this);
  }

  get port(): number {
    return this.transport.port;
  }

  get host(): string {
    return this.opts.host ?? '127.0.0.1';
  }

  get log(): Logger {
    return this.opts.log;
  }

  listen(): Promise<number> {
    return this.transport.listen(this.host, this.opts.port);
  }

  async close(): Promise<void> {
    this.registrar.close();
    for (const p of this.pending.values()) p.reject(new Error('sip server closed'));
    this.pending.clear();
    await this.transport.close();
  }

  nextCseq(): number {
    return ++this.cseq;
  }

  /** Our Via for a request we send on `conn` (sofia writes the WS binding's address). */
  via(branch = newBranch()): string {
    return `SIP/2.0/WS ${this.host}:${this.port};rport;branch=${branch}`;
  }

  /** The Contact sofia puts on its requests and dialogs over WS. */
  contact(user = 'mod_sofia'): string {
    return `<sip:${user}@${this.host}:${this.port};transport=ws>`;
  }

  /** Sends a request and tracks its client transaction. */
  send(conn: SipConnection, req: SipRequest, onProvisional?: (r: SipResponse) => void): ClientTransaction {
    const key = `${topBranch(req)}|${cseqOf(req).method}`;
    const final = new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`no final response to ${req.method} in ${TIMER_B_MS} ms`));
      }, TIMER_B_MS);
      timer.unref();
      const done = <T>(fn: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        this.pending.delete(key);
        fn(v);
      };
      this.pending.set(key, { provisional: onProvisional, resolve: done(resolve), reject: done(reject), conn });
    });
    // a rejection nobody awaits (ACK-less BYE after close, say) must not crash the process
    final.catch(() => undefined);
    if (conn.closed) this.pending.get(key)?.reject(new Error('connection closed'));
    else conn.send(req);
    return { final };
  }

  private onResponse(res: SipResponse): void {
    const key = `${topBranch(res)}|${cseqOf(res).method}`;
    const p = this.pending.get(key);
    if (!p) return;
    if (res.status < 200) p.provisional?.(res);
    else p.resolve(res);
  }

  private onRequest(conn: SipConnection, req: SipRequest): void {
    const callId = header(req, 'Call-ID') ?? '';
    const dialog = this.dialogs.get(callId);
    if (dialog && (req.method !== 'INVITE' || /;\s*tag=/i.test(header(req, 'To') ?? ''))) {
      dialog.request(conn, req);
      return;
    }
    switch (req.method) {
      case 'REGISTER':
        void this.registrar.handle(conn, req).catch((err: unknown) => {
          this.log.warn({ err: (err as Error).message }, 'sip: REGISTER failed');
          conn.send(responseTo(req, 500, 'Internal Server Error'));
        });
        return;
      case 'OPTIONS':
        conn.send(responseTo(req, 200, 'OK', { toTag: 'sim', headers: [...commonHeaders(), ['Accept', 'application/sdp'], ['Accept-Language', 'en']] }));
        return;
      case 'ACK':
        return; // an ACK for a transaction we no longer have
      case 'BYE':
      case 'CANCEL':
        conn.send(responseTo(req, 481, 'Call/Transaction Does Not Exist'));
        return;
      case 'INVITE':
        // Calls from the browser (agent-placed calls) are not simulated: see README.
        conn.send(responseTo(req, 403, 'Forbidden', { toTag: 'sim' }));
        return;
      default:
        conn.send(responseTo(req, 405, 'Method Not Allowed', { toTag: 'sim', headers: [['Allow', ALLOW]] }));
    }
  }

  private onClosed(conn: SipConnection): void {
    for (const [key, p] of this.pending) {
      if (p.conn === conn) {
        this.pending.delete(key);
        p.reject(new Error('connection closed'));
      }
    }
    this.registrar.connectionClosed(conn);
  }
}
