import { io } from 'socket.io-client';
import { CallEventBus } from '../../server/calls/events';
import { startHotline, type Hotline } from '../../server/hotline';
import { silentLogger } from '../../server/logging/logger';
import type { AgentChannel } from '../../server/realtime/agent-channel';
import { AGENT_SOCKET_PATH, ROOMS } from '../../server/realtime/contract';
import type { RealtimeHub } from '../../server/realtime/hub';
import type { Liveness } from '../../server/realtime/liveness';
import { AGENT_CHANNEL, LIVENESS, REALTIME_SERVICE } from '../../server/realtime/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { AgentEventLog, connectAgentSocket, subscribe, type AgentSocket } from '../helpers/agent-socket';
import { ApiClient } from '../helpers/api-client';
import { CHAT_WORLD_GRACE_MS, chatWorldModules, createChatWorld, ok, TestClock, type ChatWorld } from '../chat/support';

/**
 * The agent realtime channel: one socket.io namespace for offers, call events,
 * presence and chat; liveness across all of an agent's connections; Origin checked
 * on every staff socket.
 */
const PUBLIC = 'https://agents.hotline.test';
let w: ChatWorld;
const opened: AgentSocket[] = [];
beforeAll(async () => {
  w = await createChatWorld({ env: { PUBLIC_ORIGINS: `${PUBLIC},http://localhost:9999` } });
});
afterAll(async () => {
  for (const s of opened) s.disconnect();
  await w?.cleanup();
});

const presenceOf = async (agentId: string) => (await w.engine.agents()).find((a) => a.agentId === agentId)?.presence.state;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const liveness = () => w.world.hotline.services.get(LIVENESS) as Liveness;
async function until(pred: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}
async function open(cookie: string, o: { origin?: string } = {}): Promise<AgentSocket> {
  const s = await connectAgentSocket(w.url, { cookie, ...o });
  opened.push(s);
  return s;
}

describe('liveness: presence follows every connection of the agent, not one socket', () => {
  it('an agent with two connections keeps presence when one drops, even past the grace', async () => {
    const a = await w.agent('TwoTabs'); // connected (tab 1) and ready
    const tab2 = await open(a.api.cookie!);
    await until(async () => (await liveness().connections(a.id)) === 2);
    a.socket.disconnect();
    await sleep(CHAT_WORLD_GRACE_MS * 2);
    expect(await presenceOf(a.id)).toBe('ready');
    expect(await liveness().connections(a.id)).toBe(1);
    tab2.disconnect();
  });

  it('goes offline only after the grace once all drop; a refresh within it changes nothing', async () => {
    const a = await w.agent('Refresher');
    a.socket.disconnect();
    await sleep(CHAT_WORLD_GRACE_MS / 3);
    const again = await open(a.api.cookie!); // the page came back
    await sleep(CHAT_WORLD_GRACE_MS * 1.5);
    expect(await presenceOf(a.id)).toBe('ready');

    again.disconnect();
    const gone = Date.now();
    await sleep(CHAT_WORLD_GRACE_MS / 3);
    expect(await presenceOf(a.id)).toBe('ready');
    await until(async () => (await presenceOf(a.id)) === 'offline');
    expect(Date.now() - gone).toBeGreaterThanOrEqual(CHAT_WORLD_GRACE_MS);
    const { rows } = await w.world.hotline.db.query<{ cause: string }>('SELECT cause FROM agent_presence_log WHERE user_id = $1 ORDER BY id DESC LIMIT 1', [a.id]);
    expect(rows[0]!.cause).toBe('connection_lost');
  });
});

describe('Origin on the staff namespace (cross-site WebSocket hijacking)', () => {
  it('refuses a foreign origin and null even with a valid session cookie, over websocket and polling', async () => {
    const a = await w.agent('Victim', { ready: false });
    for (const transports of [['websocket'], ['polling']] as const) {
      for (const origin of ['https://evil.example', 'null', 'https://agents.hotline.test.evil.example']) {
        await expect(connectAgentSocket(w.url, { cookie: a.api.cookie!, origin, transports: [...transports] })).rejects.toThrow('forbidden origin');
      }
    }
    // A same-site page on another port is another origin.
    await expect(connectAgentSocket(w.url, { cookie: a.api.cookie!, origin: 'http://localhost:9998' })).rejects.toThrow('forbidden origin');
    // Without Origin, a browser's cross-site fetch metadata gives it away.
    await expect(connectAgentSocket(w.url, { cookie: a.api.cookie!, headers: { 'sec-fetch-site': 'cross-site' }, transports: ['polling'] })).rejects.toThrow('forbidden origin');
    // The public origins work.
    (await open(a.api.cookie!, { origin: PUBLIC })).disconnect();
    (await open(a.api.cookie!, { origin: 'http://localhost:9999' })).disconnect();
  });

  it('socket.io answers CORS with credentials to the public origins only', async () => {
    const handshake = (origin: string) => fetch(`${w.url}${AGENT_SOCKET_PATH}/?EIO=4&transport=polling`, { headers: { origin } });
    const foreign = await handshake('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    const mine = await handshake(PUBLIC);
    expect(mine.headers.get('access-control-allow-origin')).toBe(PUBLIC);
    expect(mine.headers.get('access-control-allow-credentials')).toBe('true');
    // The widget's engine answers any site, never with credentials.
    const widget = await fetch(`${w.url}/api/chat/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://shop.example' } });
    expect(widget.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(widget.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('the visitor namespace still works from a chat site origin', async () => {
    const res = await fetch(`${w.url}/api/chat/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://shop.example' }, body: JSON.stringify({ site: w.siteKey, language: 'en' }) });
    const { token } = (await res.json()) as { token: string };
    const v = io(`${w.url}/visitor`, { path: '/api/chat/socket.io', transports: ['websocket'], auth: { token }, extraHeaders: { origin: 'https://shop.example' }, reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => {
        v.once('connect', () => resolve());
        v.once('connect_error', reject);
      });
      expect((await ok(v, 'start')).id).toEqual(expect.any(String));
    } finally {
      v.disconnect();
    }
  });
});

describe('rooms: agents and supervisors', () => {
  it('supervisors get the supervisor room; agents cannot join it or another agent’s room', async () => {
    const a = await w.agent('PlainAgent', { ready: false });
    const roles = (await w.admin.get('/api/roles')).body as { id: string; code: string }[];
    await w.admin.post('/api/agents', { username: 'sup-rt', password: 'supervisor-password-1', displayName: 'Sup', employeeNo: 'sup-rt', roleIds: [roles.find((r) => r.code === 'supervisor')!.id] });
    const sup = await new ApiClient(w.url).login('sup-rt', 'supervisor-password-1');
    const supSocket = await open(sup.cookie!);
    const supEvents = new AgentEventLog(supSocket);
    expect(await subscribe(supSocket, [ROOMS.supervisor, ROOMS.agent(a.id)])).toEqual({ topics: [ROOMS.supervisor, ROOMS.agent(a.id)], denied: [] });
    expect(await subscribe(a.socket, [ROOMS.supervisor, ROOMS.agent('someone-else'), 'routing'])).toEqual({ topics: [], denied: [ROOMS.supervisor, ROOMS.agent('someone-else'), 'routing'] });

    // contact.queued concerns no agent: supervisors only.
    const agentEvents = new AgentEventLog(a.socket);
    const other = await w.world.hotline.db.query<{ id: string }>("INSERT INTO skill_groups (name) VALUES ('nobody-' || gen_random_uuid()) RETURNING id");
    const queued = await w.engine.enqueue({ channel: 'chat', target: { kind: 'group', id: other.rows[0]!.id } });
    await supEvents.wait('contact.queued', (e) => e.contactId === queued.contactId);
    await w.engine.setPresence(a.id, { state: 'ready' });
    await supEvents.wait('agent.presence', (e) => e.agentId === a.id && e.presence.state === 'ready');
    await agentEvents.wait('agent.presence', (e) => e.agentId === a.id);
    expect(agentEvents.of('contact.queued')).toEqual([]);
    await w.engine.abandon(queued.contactId);
    await w.engine.setPresence(a.id, { state: 'offline' });
  });
});

describe('delivery across server processes', () => {
  let second: Hotline;
  beforeAll(async () => {
    second = await startHotline(w.world.config, silentLogger, { modules: chatWorldModules(new TestClock()) });
  });
  afterAll(async () => {
    await second?.close();
  });

  it('offers, call events and chat events published on one process reach the agent’s socket on another', async () => {
    const a = await w.agent('Elsewhere', { ready: false });
    a.socket.disconnect();
    const s = await connectAgentSocket(second.url, { cookie: a.api.cookie! });
    opened.push(s);
    const events = new AgentEventLog(s);
    // Offer from the first process's engine.
    await w.engine.setPresence(a.id, { state: 'ready' });
    const queued = await w.engine.enqueue({ channel: 'chat', target: { kind: 'agent', id: a.id } });
    const offer = await events.wait('contact.offered', (e) => e.contactId === queued.contactId);
    expect(offer).toMatchObject({ agentId: a.id, channel: 'chat' });
    // A call event, the way the calls module publishes it.
    const hub = w.world.hotline.services.get(REALTIME_SERVICE) as RealtimeHub;
    new CallEventBus({ publish: (topics, e) => hub.publish(topics, e) }, silentLogger).emit('call.ringing', 'call-x', [a.id], { from: '+8613800000000' });
    expect(await events.wait('call.ringing', (e) => e.callId === 'call-x')).toMatchObject({ agentIds: [a.id], data: { from: '+8613800000000' } });
    // A chat event through the typed channel.
    (w.world.hotline.services.get(AGENT_CHANNEL) as AgentChannel).emit([ROOMS.agent(a.id)], 'transfer.cancelled', { transferId: 't-1', conversationId: 'c-1' });
    expect(await events.wait('transfer.cancelled')).toEqual({ transferId: 't-1', conversationId: 'c-1' });
    await w.engine.setPresence(a.id, { state: 'offline' });
    await (second.services.get('routing') as RoutingEngine).abandon(queued.contactId).catch(() => undefined);
  });
});
