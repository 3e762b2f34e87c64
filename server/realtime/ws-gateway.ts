import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request } from 'express';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AuthService } from '../auth/auth-service';
import type { Principal } from '../auth/principal';
import type { Logger } from '../logging/logger';
import type { RealtimeHub } from './hub';
import { parseCookies } from '../http/cookies';

/**
 * Browsers and integrations listen to live events at /api/ws.
 *
 * Protocol (JSON text frames):
 *   server → {type:"hello", userId}
 *   client → {type:"subscribe", topics:[...], id?}    server → {type:"subscribed", id?, topics:[granted], denied:[...]}
 *   client → {type:"unsubscribe", topics:[...], id?}  server → {type:"unsubscribed", id?, topics}
 *   server → {type:"event", topic, event}
 *   server → {type:"error", id?, message}
 * Authentication is the session cookie or an `Authorization: Bearer` token,
 * checked at the upgrade; a refused upgrade answers 401 and closes.
 */
export interface WsGateway {
  /** Closes every client connection and stops listening for upgrades. */
  close(): void;
  clientCount(): number;
}

interface Client {
  ws: WebSocket;
  principal: Principal;
  topics: Map<string, () => void>;
  alive: boolean;
}

const MAX_TOPICS_PER_CLIENT = 200;

export function attachWsGateway(server: http.Server, deps: { hub: RealtimeHub; auth: AuthService; log: Logger; path?: string; heartbeatMs?: number }): WsGateway {
  const path = deps.path ?? '/api/ws';
  const log = deps.log.child({ component: 'ws' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Set<Client>();

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== path) return;
    socket.on('error', () => socket.destroy());
    // AuthService reads what cookie-parser would have put on an express request.
    const asExpress = Object.assign(req, { cookies: parseCookies(req.headers.cookie) }) as unknown as Request;
    deps.auth
      .authenticate(asExpress)
      .then((principal) => {
        if (!principal) return refuse(socket, 401, 'Unauthorized');
        wss.handleUpgrade(req, socket, head, (ws) => connected(ws, principal));
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'websocket authentication failed');
        refuse(socket, 503, 'Service Unavailable');
      });
  };
  server.on('upgrade', onUpgrade);

  function connected(ws: WebSocket, principal: Principal): void {
    const client: Client = { ws, principal, topics: new Map(), alive: true };
    clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data) => onMessage(client, data));
    ws.on('close', () => {
      for (const off of client.topics.values()) off();
      clients.delete(client);
    });
    ws.on('error', (err) => log.debug({ err }, 'websocket error'));
    send(ws, { type: 'hello', userId: principal.userId });
  }

  function onMessage(client: Client, data: RawData): void {
    let msg: { type?: unknown; topics?: unknown; id?: unknown };
    try {
      msg = JSON.parse(textOf(data)) as typeof msg;
    } catch {
      return send(client.ws, { type: 'error', message: 'messages are JSON' });
    }
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : undefined;
    const topics = Array.isArray(msg.topics) ? msg.topics.filter((t): t is string => typeof t === 'string' && t.length <= 200) : [];
    if (msg.type === 'subscribe') {
      const granted: string[] = [];
      const denied: string[] = [];
      for (const topic of topics) {
        if (client.topics.has(topic)) granted.push(topic);
        else if (client.topics.size < MAX_TOPICS_PER_CLIENT && deps.hub.canSubscribe(client.principal, topic)) {
          client.topics.set(
            topic,
            deps.hub.subscribe(topic, (event) => send(client.ws, { type: 'event', topic, event })),
          );
          granted.push(topic);
        } else denied.push(topic);
      }
      return send(client.ws, { type: 'subscribed', id, topics: granted, denied });
    }
    if (msg.type === 'unsubscribe') {
      for (const topic of topics) {
        client.topics.get(topic)?.();
        client.topics.delete(topic);
      }
      return send(client.ws, { type: 'unsubscribed', id, topics });
    }
    send(client.ws, { type: 'error', id, message: 'unknown message type' });
  }

  // A peer that vanished without a FIN is found by a missed pong and dropped.
  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, deps.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const c of clients) c.ws.terminate();
      clients.clear();
      wss.close();
    },
    clientCount: () => clients.size,
  };
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}

function send(ws: WebSocket, msg: object): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

