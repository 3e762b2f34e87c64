import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { parseSip, serialize, SipParseError, type SipMessage } from './message';

/**
 * The WS binding of the internal profile (sofia's tport_ws, RFC 7118): HTTP upgrade
 * with subprotocol `sip` (a client that does not offer it is refused, as the RFC
 * says), then one SIP message per text frame. Plain ws: FreeSWITCH's `ws-binding`
 * (:5066); there is no `wss-binding` here (see README).
 */
export interface SipConnection {
  readonly id: string;
  readonly remoteIp: string;
  readonly remotePort: number;
  /** `SIP/2.0/WS`, for the Via this side writes. */
  readonly viaTransport: 'WS';
  send(msg: SipMessage): void;
  readonly closed: boolean;
  onClose(fn: () => void): void;
}

export interface TransportHandlers {
  message(conn: SipConnection, msg: SipMessage): void;
  closed(conn: SipConnection): void;
}

export class WsTransport {
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  port = 0;

  constructor(private readonly handlers: TransportHandlers, private readonly log: Logger) {}

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({
        host,
        port,
        handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
      });
      this.wss = wss;
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        wss.on('error', (err) => this.log.warn({ err: err.message }, 'sip ws listener error'));
        this.port = (wss.address() as AddressInfo).port;
        resolve(this.port);
      });
      wss.on('connection', (ws, req) => {
        if (ws.protocol !== 'sip') {
          ws.close(1002, 'subprotocol sip required');
          return;
        }
        this.sockets.add(ws);
        const closeFns: Array<() => void> = [];
        const conn: SipConnection = {
          id: randomBytes(6).toString('hex'),
          remoteIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
          remotePort: req.socket.remotePort ?? 0,
          viaTransport: 'WS',
          send: (msg) => {
            if (ws.readyState === ws.OPEN) ws.send(serialize(msg));
          },
          get closed() {
            return ws.readyState !== ws.OPEN;
          },
          onClose: (fn) => closeFns.push(fn),
        };
        ws.on('message', (data, isBinary) => {
          const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
          // CRLF keep-alives (RFC 5626 §3.5.1) and empty frames carry no message
          if (!text.trim()) return;
          let msg: SipMessage;
          try {
            msg = parseSip(text);
          } catch (err) {
            this.log.debug({ err: (err as Error).message, binary: isBinary }, 'sip: unparsable frame dropped');
            if (!(err instanceof SipParseError)) throw err;
            return;
          }
          this.handlers.message(conn, msg);
        });
        ws.on('close', () => {
          this.sockets.delete(ws);
          for (const fn of closeFns.splice(0)) fn();
          this.handlers.closed(conn);
        });
        ws.on('error', () => ws.terminate());
      });
    });
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((r) => wss.close(() => r()));
  }
}
