import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Request } from 'express';
import { Server, type Namespace, type Socket } from 'socket.io';
import { z } from 'zod';
import type { AuthService } from '../auth/auth-service';
import { can, type Principal } from '../auth/principal';
import { parseCookies } from '../http/cookies';
import type { Logger } from '../logging/logger';
import type { Redis } from '../platform/redis';
import { AGENT_NAMESPACE, AGENT_SOCKET_PATH, isRoom, ROOMS, type AgentClientToServer, type AgentConnectRefusal, type AgentEventName, type AgentEvents, type AgentServerToClient, type Room } from './contract';
import type { RealtimeHub } from './hub';
import type { Liveness } from './liveness';
import { normalizeOrigin, staffOriginAllowed } from './origin';

type AgentServer = Server<AgentClientToServer, AgentServerToClient, Record<string, never>, { principal: Principal }>;
type AgentNamespace = Namespace<AgentClientToServer, AgentServerToClient, Record<string, never>, { principal: Principal }>;
type AgentSocket = Socket<AgentClientToServer, AgentServerToClient, Record<string, never>, { principal: Principal }>;

const MAX_ROOMS_PER_SOCKET = 200;
const topicList = z.array(z.string().max(200)).max(MAX_ROOMS_PER_SOCKET);

/** Who may be in a room: an agent in their own; supervisors in anyone's and in the supervisor room. */
export function mayJoin(p: Principal, room: string): boolean {
  if (!isRoom(room)) return false;
  if (room === ROOMS.agent(p.userId)) return true;
  return can(p, 'supervisor.monitor');
}

/** Whose connections count for presence: people who take contacts. */
function isAgent(p: Principal): boolean {
  return can(p, 'calls.handle') || can(p, 'chat.handle');
}

/**
 * The one realtime channel of staff browsers (contract.ts): socket.io at
 * AGENT_SOCKET_PATH, namespace /agent, its own engine so its CORS answers only the
 * public origins (the chat widget's engine answers every site).
 *
 * Delivery: publishers (ACD, calls, chat) publish on the realtime hub to room-named
 * topics; every process receives every hub message anyway, and hands it to its own
 * sockets in those rooms (`local`), so an event costs no Redis traffic beyond the
 * hub's batched PUBLISH, and keeps the hub's order. The Redis adapter makes room
 * queries and disconnects span processes.
 */
export class AgentChannel {
  #io: AgentServer | undefined;
  #untap: (() => void) | undefined;

  constructor(private readonly deps: { hub: RealtimeHub; liveness: Liveness; auth: AuthService; publicOrigins: () => readonly string[]; prefix: string; log: Logger }) {}

  /** Sends an event to these rooms on every process. Typed by the contract; fire and forget. */
  emit<N extends AgentEventName>(rooms: Room[], name: N, payload: AgentEvents[N]): void {
    if (rooms.length) this.deps.hub.publish(rooms, payload, name);
  }

  attach(server: http.Server, adapter: { pub: Redis; sub: Redis }): void {
    const origins = this.deps.publicOrigins;
    const io: AgentServer = new Server(server, {
      path: AGENT_SOCKET_PATH,
      serveClient: false,
      // CORS, with credentials (the session cookie), only for the staff pages' origins; nothing at all for the rest
      // (a static `credentials: true` would send Allow-Credentials to every origin).
      cors: (req, cb) => {
        const origin = req.headers.origin;
        cb(null, origin && origins().includes(normalizeOrigin(origin)) ? { origin, credentials: true } : { origin: false });
      },
      adapter: createAdapter(adapter.pub, adapter.sub, { key: `${this.deps.prefix}agent-io` }),
      maxHttpBufferSize: 16 * 1024,
      pingInterval: 10_000,
      pingTimeout: 10_000,
    });
    this.#io = io;
    const nsp = io.of(AGENT_NAMESPACE);
    nsp.use((socket, next) => void this.#admit(socket).then((refusal) => next(refusal ? new Error(refusal) : undefined)));
    nsp.on('connection', (socket) => this.#connected(socket));
    this.#untap = this.deps.hub.tap((topics, event, name) => this.#forward(nsp, topics, event, name));
  }

  /** Shutdown, before HTTP closes: drop this process's sockets (their agents' graces start; they reconnect elsewhere). */
  disconnectAll(): void {
    this.#io?.of(AGENT_NAMESPACE).local.disconnectSockets(true);
    this.#io?.engine.close();
  }

  async close(): Promise<void> {
    this.#untap?.();
    const io = this.#io;
    this.#io = undefined;
    if (!io) return;
    io.of(AGENT_NAMESPACE).local.disconnectSockets(true);
    await new Promise<void>((resolve) => void io.close(() => resolve()));
  }

  /** Sets the socket's principal, or says why it may not connect. */
  async #admit(socket: AgentSocket): Promise<AgentConnectRefusal | undefined> {
    const { headers } = socket.handshake;
    if (!staffOriginAllowed(headers, this.deps.publicOrigins())) {
      this.deps.log.warn({ origin: headers.origin ?? null, secFetchSite: headers['sec-fetch-site'] ?? null }, 'staff socket refused: origin is not a public origin');
      return 'forbidden origin';
    }
    const h = { ...headers };
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token === 'string') h.authorization = `Bearer ${token}`;
    // AuthService reads what express and cookie-parser would have put on a request.
    const req = { headers: h, cookies: parseCookies(headers.cookie), get: (name: string) => h[name.toLowerCase()] } as unknown as Request;
    let p: Principal | undefined;
    try {
      p = await this.deps.auth.authenticate(req);
    } catch (err) {
      this.deps.log.warn({ err }, 'staff socket authentication failed');
      return 'unavailable';
    }
    if (!p) return 'unauthorized';
    socket.data.principal = p;
    return undefined;
  }

  #connected(socket: AgentSocket): void {
    const p = socket.data.principal;
    const { liveness, log } = this.deps;
    void socket.join(ROOMS.agent(p.userId));
    if (isAgent(p)) {
      void liveness.connected(p.userId, socket.id);
      socket.on('disconnect', () => void liveness.disconnected(p.userId, socket.id));
    }
    socket.on('subscribe', (topics, ack) => {
      const parsed = topicList.safeParse(topics);
      const asked = parsed.success ? parsed.data : [];
      const granted: string[] = [];
      const denied: string[] = parsed.success ? [] : ['(invalid)'];
      for (const t of asked) {
        if (socket.rooms.has(t)) granted.push(t);
        else if (socket.rooms.size <= MAX_ROOMS_PER_SOCKET && mayJoin(p, t)) {
          void socket.join(t);
          granted.push(t);
        } else denied.push(t);
      }
      if (denied.length) log.debug({ userId: p.userId, denied }, 'staff socket: rooms refused');
      if (typeof ack === 'function') ack({ topics: granted, denied });
    });
    socket.on('unsubscribe', (topics, ack) => {
      const parsed = topicList.safeParse(topics);
      // The own agent room stays: it is the agent's channel, not a subscription.
      const left = (parsed.success ? parsed.data : []).filter((t) => t !== ROOMS.agent(p.userId) && socket.rooms.has(t));
      for (const t of left) void socket.leave(t);
      if (typeof ack === 'function') ack({ topics: left });
    });
  }

  #forward(nsp: AgentNamespace, topics: string[], event: unknown, name: string | undefined): void {
    const rooms = topics.filter(isRoom);
    if (rooms.length === 0) return;
    const n = name ?? (event as { type?: unknown }).type;
    if (typeof n !== 'string') return;
    // Publishers are typed by the contract (emit() and the routing/calls assertions); the hub carries JSON.
    (nsp.local.to(rooms).emit as (ev: string, payload: unknown) => boolean)(n, event);
  }
}
