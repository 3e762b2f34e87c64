import { io, type Socket } from 'socket.io-client';
import { blacklistModule } from '../../server/blacklist/module';
import { chatModule } from '../../server/chat/module';
import type { ChatActions } from '../../server/chat/actions';
import type { ChatService } from '../../server/chat/service';
import { realtimeModule } from '../../server/realtime/module';
import { routingModule } from '../../server/routing/module';
import type { RoutingEngine } from '../../server/routing/engine';
import type { HotlineModule } from '../../server/module';
import { connectAgentSocket, type AgentSocket } from '../helpers/agent-socket';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';

/** A clock the tests move; chat timers and the recall window read it. */
export class TestClock {
  constructor(public t = Date.now()) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

export interface ChatWorld {
  world: TestWorld;
  url: string;
  clock: TestClock;
  chat: ChatService;
  actions: ChatActions;
  engine: RoutingEngine;
  admin: ApiClient;
  siteKey: string;
  groupId: string;
  sockets: { disconnect(): unknown }[];
  agent(name: string, opts?: { capacity?: number; ready?: boolean }): Promise<ChatAgent>;
  visitor(opts?: { language?: 'zh' | 'en'; identity?: unknown }): Promise<{ id: string; token: string; socket: Socket; events: Rec }>;
  cleanup(): Promise<void>;
}

/** An agent: HTTP for commands, the agent channel for events. */
export interface ChatAgent {
  id: string;
  api: ApiClient;
  socket: AgentSocket;
  events: Rec;
}

/** Everything a socket received, by event name, to wait on. */
export class Rec {
  readonly all: { event: string; data: any }[] = [];
  constructor(socket: { onAny(fn: (event: string, data: any) => void): unknown }) {
    socket.onAny((event: string, data: any) => this.all.push({ event, data }));
  }
  of(event: string) {
    return this.all.filter((e) => e.event === event).map((e) => e.data);
  }
  async wait(event: string, pred: (d: any) => boolean = () => true, ms = 5000): Promise<any> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.all.find((e) => e.event === event && pred(e.data));
      if (hit) return hit.data;
      if (Date.now() > end) throw new Error(`no ${event} within ${ms} ms; got ${this.all.map((e) => e.event).join(',')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export function call(socket: Socket, event: string, payload: unknown = {}): Promise<any> {
  return socket.timeout(5000).emitWithAck(event, payload);
}

export async function ok(socket: Socket, event: string, payload: unknown = {}): Promise<any> {
  const r = await call(socket, event, payload);
  if (!r.ok) throw new Error(`${event} failed: ${JSON.stringify(r.error)}`);
  return r.data;
}

/** Agent commands are HTTP routes; each here by its former socket event name, answering like an ack. */
const AGENT_COMMANDS: Record<string, (p: any) => [method: 'POST' | 'PUT', path: string, body: unknown]> = {
  presence: (p) => ['PUT', '/api/routing/me/presence', p],
  send: ({ conversationId, ...b }) => ['POST', `/api/chat/conversations/${conversationId}/messages`, b],
  recall: ({ messageId }) => ['POST', `/api/chat/messages/${messageId}/recall`, {}],
  read: ({ conversationId, ...b }) => ['POST', `/api/chat/conversations/${conversationId}/read`, b],
  typing: ({ conversationId, ...b }) => ['POST', `/api/chat/conversations/${conversationId}/typing`, b],
  end: ({ conversationId }) => ['POST', `/api/chat/conversations/${conversationId}/end`, {}],
  claim: ({ conversationId }) => ['POST', `/api/chat/conversations/${conversationId}/claim`, {}],
  transfer: ({ conversationId, ...b }) => ['POST', `/api/chat/conversations/${conversationId}/transfer`, b],
  'transfer.answer': ({ transferId, ...b }) => ['POST', `/api/chat/transfers/${transferId}/answer`, b],
  invite: ({ conversationId, ...b }) => ['POST', `/api/chat/conversations/${conversationId}/invite`, b],
  'rating.invite': ({ conversationId }) => ['POST', `/api/chat/conversations/${conversationId}/rating-invite`, {}],
  wrapup: ({ conversationId, ...b }) => ['PUT', `/api/chat/conversations/${conversationId}/wrapup`, b],
  blacklist: ({ conversationId, ...b }) => ['POST', `/api/chat/conversations/${conversationId}/blacklist`, b],
};

export async function agentCall(agent: { api: ApiClient }, command: string, payload: unknown = {}): Promise<any> {
  const route = AGENT_COMMANDS[command];
  if (!route) throw new Error(`no HTTP route for ${command}`);
  const [method, path, body] = route(payload);
  const res = await agent.api.request(method, path, body);
  if (res.status >= 300) return { ok: false, error: res.body?.error };
  return { ok: true, data: command === 'read' ? res.body.ids : (res.body ?? null) };
}

export async function agentOk(agent: { api: ApiClient }, command: string, payload: unknown = {}): Promise<any> {
  const r = await agentCall(agent, command, payload);
  if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
  return r.data;
}

/** How long an agent with no realtime connection keeps their presence here (real time, not the test clock). */
export const CHAT_WORLD_GRACE_MS = 1000;

export function chatWorldModules(clock: TestClock): HotlineModule[] {
  return [realtimeModule({ graceMs: CHAT_WORLD_GRACE_MS }), routingModule({ sweepIntervalMs: 50 }), blacklistModule(), chatModule({ clock: clock.now, timerPollMs: 50 })];
}

export async function createChatWorld(opts: { settings?: unknown; navigation?: unknown; env?: Record<string, string> } = {}): Promise<ChatWorld> {
  const clock = new TestClock();
  const world = await createTestWorld({ env: opts.env, modules: chatWorldModules(clock) });
  const url = world.hotline.url;
  const { chat, actions } = world.hotline.services.get('chat') as { chat: ChatService; actions: ChatActions };
  const engine = world.hotline.services.get('routing') as RoutingEngine;
  const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
  const db = world.hotline.db;
  const g = await db.query<{ id: string }>("INSERT INTO skill_groups (name) VALUES ('chat-' || gen_random_uuid()) RETURNING id");
  const groupId = g.rows[0]!.id;
  const siteKey = 'site-' + Math.random().toString(36).slice(2, 8);
  const site = await admin.post('/api/chat/sites', { key: siteKey, name: 'Test site', groupId, secret: 'test-secret-0123456789', navigation: opts.navigation });
  if (site.status !== 201) throw new Error(JSON.stringify(site.body));
  if (opts.settings) {
    const r = await admin.put('/api/chat/settings', opts.settings);
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  }
  const sockets: { disconnect(): unknown }[] = [];
  const roleId = (await db.query<{ id: string }>("SELECT id FROM roles WHERE code = 'agent'")).rows[0]!.id;
  const cw: ChatWorld = {
    world,
    url,
    clock,
    chat,
    actions,
    engine,
    admin,
    siteKey,
    groupId,
    sockets,
    async agent(name, o = {}) {
      const username = `${name}-${Math.random().toString(36).slice(2, 7)}`;
      const res = await admin.post('/api/agents', { username, password: 'agent-password-1', displayName: name, employeeNo: username, roleIds: [roleId], chatCapacity: o.capacity ?? 3 });
      if (res.status !== 201) throw new Error(`agent: ${JSON.stringify(res.body)}`);
      const id = res.body.id as string;
      await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, id]);
      const api = await new ApiClient(url).login(username, 'agent-password-1');
      const socket = await connectAgentSocket(url, { cookie: api.cookie! });
      sockets.push(socket);
      const events = new Rec(socket);
      const agent = { id, api, socket, events };
      if (o.ready !== false) await agentOk(agent, 'presence', { state: 'ready' });
      return agent;
    },
    async visitor(o = {}) {
      const res = await fetch(`${url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'jest-visitor' }, body: JSON.stringify({ site: siteKey, language: o.language ?? 'zh', page: { url: 'https://shop.example/landing', referrer: 'https://search.example/' }, identity: o.identity }) });
      const body = (await res.json()) as { visitorId: string; token: string };
      if (res.status !== 200) throw new Error(`visitor: ${JSON.stringify(body)}`);
      const socket = io(`${url}/visitor`, { path: '/api/chat/socket.io', transports: ['websocket'], auth: { token: body.token }, reconnection: false });
      sockets.push(socket);
      const events = new Rec(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return { id: body.visitorId, token: body.token, socket, events };
    },
    async cleanup() {
      for (const s of sockets) s.disconnect();
      await world.cleanup();
    },
  };
  return cw;
}

/** Between cases: open conversations end and agents go offline, so nobody from a previous case takes the next one's visitors. */
export async function resetBetweenCases(w: ChatWorld): Promise<void> {
  const open = await w.world.hotline.db.query<{ id: string }>("SELECT id FROM chat_conversations WHERE state <> 'ended'");
  for (const c of open.rows) await w.chat.endBy(c.id, 'closed');
  for (const a of await w.engine.agents()) if (a.presence.state !== 'offline') await w.engine.setPresence(a.agentId, { state: 'offline' });
}
