import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, AGENT_SOCKET_PATH, type AgentClientToServer, type AgentEventName, type AgentEvents, type AgentServerToClient, type SubscribeReply } from '../../server/realtime/contract';

/** A staff browser's connection to the agent channel, typed by the shared contract. */
export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

export interface AgentSocketOptions {
  cookie?: string;
  /** An API token (handshake auth), for integrations. */
  token?: string;
  /** What a browser would send; node clients send none. */
  origin?: string;
  headers?: Record<string, string>;
  transports?: ('websocket' | 'polling')[];
}

/** Opens a socket on the agent namespace; rejects with the connect_error (its message says why). */
export function connectAgentSocket(url: string, o: AgentSocketOptions = {}): Promise<AgentSocket> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.cookie) headers.cookie = o.cookie;
  if (o.origin) headers.origin = o.origin;
  const socket: AgentSocket = io(`${url}${AGENT_NAMESPACE}`, { path: AGENT_SOCKET_PATH, transports: o.transports ?? ['websocket'], extraHeaders: headers, auth: o.token ? { token: o.token } : {}, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export function subscribe(socket: AgentSocket, topics: string[]): Promise<SubscribeReply> {
  return new Promise((resolve) => socket.emit('subscribe', topics, resolve));
}

/** Everything a socket received, to wait on by event name with the payload typed by the contract. */
export class AgentEventLog {
  readonly all: { name: string; payload: unknown }[] = [];
  constructor(socket: AgentSocket) {
    socket.onAny((name: string, payload: unknown) => this.all.push({ name, payload }));
  }
  of<N extends AgentEventName>(name: N): AgentEvents[N][] {
    return this.all.filter((e) => e.name === name).map((e) => e.payload as AgentEvents[N]);
  }
  async wait<N extends AgentEventName>(name: N, pred: (p: AgentEvents[N]) => boolean = () => true, ms = 5000): Promise<AgentEvents[N]> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.of(name).find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no ${name} within ${ms} ms; got ${this.all.map((e) => e.name).join(',')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
