import { realtimeModule } from '../../server/realtime/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { AgentEventLog, connectAgentSocket, subscribe, type AgentSocket } from '../helpers/agent-socket';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { endpointsModule } from '../../server/endpoints/module';

describe('routing HTTP API and live events on the agent channel', () => {
  let world: TestWorld;
  let admin: ApiClient;
  let agent: ApiClient;
  let supervisor: ApiClient;
  let agentId: string;
  let groupId: string;
  const sockets: AgentSocket[] = [];
  const url = () => world.hotline.url;
  const engine = () => world.hotline.services.get(ROUTING_SERVICE) as RoutingEngine;

  beforeAll(async () => {
    world = await createTestWorld({ modules: [realtimeModule(), routingModule({ sweepIntervalMs: 50 }), endpointsModule()] });
    admin = await new ApiClient(url()).login(ADMIN.username, ADMIN.password);
    const roles = (await admin.get('/api/roles')).body as { id: string; code: string }[];
    const role = (code: string) => roles.find((r) => r.code === code)!.id;
    const a = await admin.post('/api/agents', { username: 'alice', password: 'alice-password', displayName: 'Alice', employeeNo: 'A1', roleIds: [role('agent')], chatCapacity: 3 });
    agentId = a.body.id;
    await admin.post('/api/agents', { username: 'sam', password: 'sam-password', displayName: 'Sam', employeeNo: 'S1', roleIds: [role('supervisor')] });
    groupId = (await admin.post('/api/skill-groups', { name: 'Sales', members: [{ agentId, level: 7 }] })).body.id;
    agent = await new ApiClient(url()).login('alice', 'alice-password');
    supervisor = await new ApiClient(url()).login('sam', 'sam-password');
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await world?.cleanup();
  });

  test('the agent sets state and capacity; bad input and missing rights are refused', async () => {
    const me = await agent.get('/api/routing/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ agentId, state: 'offline', capacity: { voice: 0, chat: 3 }, queues: expect.arrayContaining([{ kind: 'group', id: groupId, level: 7 }]) });
    expect((await agent.put('/api/routing/me/presence', { state: 'not_ready' })).status).toBe(400);
    expect((await agent.put('/api/routing/me/presence', { state: 'not_ready', reason: 'nope' })).status).toBe(409);
    const paused = await agent.put('/api/routing/me/presence', { state: 'not_ready', reason: 'break' });
    expect(paused.body).toMatchObject({ state: 'not_ready', reason: 'break' });
    expect((await agent.put('/api/routing/me/capacity', { chat: 4 })).status).toBe(400); // above the admin's 3
    expect((await agent.put('/api/routing/me/capacity', { chat: 2 })).body.capacity.chat).toBe(2);
    expect((await agent.get('/api/routing/not-ready-reasons')).body.map((r: any) => r.code)).toEqual(expect.arrayContaining(['busy', 'break']));
    expect((await supervisor.get('/api/routing/me')).status).toBe(403);
    expect((await agent.get('/api/routing/queues')).status).toBe(403);
    expect((await agent.get('/api/routing/rules')).status).toBe(403);
    expect((await new ApiClient(url()).get('/api/routing/me')).status).toBe(401);
  });

  test('agent channel: cookie or bearer auth, room access, offers and outcomes arrive live', async () => {
    await expect(connectAgentSocket(url())).rejects.toThrow('unauthorized');
    const agentWs = await connectAgentSocket(url(), { cookie: agent.cookie });
    sockets.push(agentWs);
    const agentEvents = new AgentEventLog(agentWs);
    // Its own room is joined on connect; the others are refused.
    expect(await subscribe(agentWs, [`agent:${agentId}`, 'supervisor', 'agent:someone-else', 'routing'])).toEqual({ topics: [`agent:${agentId}`], denied: ['supervisor', 'agent:someone-else', 'routing'] });

    const token = (await admin.post('/api/auth/tokens', { name: 'wall board' })).body.token as string;
    const boardWs = await connectAgentSocket(url(), { token });
    sockets.push(boardWs);
    const boardEvents = new AgentEventLog(boardWs);
    expect((await subscribe(boardWs, ['supervisor'])).topics).toEqual(['supervisor']);
    const supWs = await connectAgentSocket(url(), { cookie: supervisor.cookie });
    sockets.push(supWs);
    const supEvents = new AgentEventLog(supWs);
    expect((await subscribe(supWs, ['supervisor', `agent:${agentId}`])).denied).toEqual([]);

    await agent.put('/api/routing/me/presence', { state: 'ready' });
    await supEvents.wait('agent.presence', (e) => e.agentId === agentId && e.presence.state === 'ready');
    const queued = await engine().enqueue({ channel: 'chat', target: { kind: 'group', id: groupId }, customerId: 'c-42' });
    const offered = await agentEvents.wait('contact.offered', (e) => e.contactId === queued.contactId);
    expect(offered).toMatchObject({ agentId, channel: 'chat', customerId: 'c-42' });

    // Only the offered agent may accept.
    const other = await admin.post(`/api/routing/offers/${offered.offerId}/accept`);
    expect(other.status).toBe(404);
    const acc = await agent.post(`/api/routing/offers/${offered.offerId}/accept`);
    expect(acc.status).toBe(200);
    expect(acc.body).toEqual({ contactId: queued.contactId, agentId, channel: 'chat' });
    await boardEvents.wait('offer.accepted', (e) => e.offerId === offered.offerId);

    const agents = await supervisor.get('/api/routing/agents');
    expect(agents.body.find((a: any) => a.agentId === agentId)).toMatchObject({ displayName: 'Alice', state: 'ready', load: { chat: 1 }, capacity: { chat: 2 } });
    await engine().enqueue({ channel: 'chat', target: { kind: 'group', id: groupId } });
    await engine().setPresence(agentId, { state: 'not_ready', reason: 'busy' });
    await engine().enqueue({ channel: 'chat', target: { kind: 'group', id: groupId } });
    const queues = await supervisor.get('/api/routing/queues');
    expect(queues.body.find((q: any) => q.target.id === groupId)).toMatchObject({ channels: { chat: { waiting: 1 }, voice: { waiting: 0 } }, agents: { not_ready: 1 } });

    expect((await agent.post(`/api/routing/contacts/${queued.contactId}/complete`)).status).toBe(204);
    await supEvents.wait('contact.completed', (e) => e.contactId === queued.contactId);
    expect((await agent.post(`/api/routing/contacts/${queued.contactId}/complete`)).status).toBe(404);
  });

  test('admin: rules, strategies, reasons, settings; a skill group used by a rule cannot be deleted', async () => {
    const g2 = (await admin.post('/api/skill-groups', { name: 'Support' })).body.id as string;
    const rule = await admin.post('/api/routing/rules', {
      name: 'VIP voice',
      priority: 10,
      conditions: { channels: ['voice'], attributes: [{ key: 'vip', op: 'eq', value: true }] },
      action: { kind: 'group', id: groupId },
      overflow: [{ when: { kind: 'wait_over', seconds: 60 }, to: { kind: 'group', id: g2 } }],
    });
    expect(rule.status).toBe(201);
    expect((await admin.post('/api/routing/rules', { name: 'vip VOICE', priority: 1, action: { kind: 'group', id: groupId } })).status).toBe(409);
    const badRule = await admin.post('/api/routing/rules', { name: 'Bad', priority: 1, action: { kind: 'group', id: '00000000-0000-4000-8000-000000000000' } });
    expect(badRule.status).toBe(400);
    const badTz = await admin.post('/api/routing/rules', { name: 'Bad tz', priority: 1, conditions: { schedule: { timezone: 'Mars/Olympus', windows: [{ days: [1], from: '09:00', to: '17:00' }] } }, action: { kind: 'group', id: groupId } });
    expect(badTz.status).toBe(400);

    const del = await admin.delete(`/api/skill-groups/${g2}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('"VIP voice"');
    expect((await admin.patch(`/api/routing/rules/${rule.body.id}`, { overflow: [], enabled: false })).body).toMatchObject({ enabled: false, overflow: [] });
    expect((await admin.delete(`/api/skill-groups/${g2}`)).status).toBe(204);
    expect((await admin.delete(`/api/skill-groups/${groupId}`)).status).toBe(409);
    expect((await admin.delete(`/api/routing/rules/${rule.body.id}`)).status).toBe(204);

    const strat = await admin.put(`/api/routing/strategies/${groupId}`, { kind: 'round_robin', returningCustomerFirst: true, returningWindowSeconds: 3600 });
    expect(strat.body).toEqual({ groupId, kind: 'round_robin', returningCustomerFirst: true, returningWindowSeconds: 3600 });
    expect((await admin.put(`/api/routing/strategies/${groupId}`, { kind: 'fastest' })).status).toBe(400);
    expect(engine().config.strategies.get(groupId)?.kind).toBe('round_robin');

    expect((await admin.post('/api/routing/not-ready-reasons', { code: 'training', name: 'Training' })).status).toBe(201);
    expect((await admin.post('/api/routing/not-ready-reasons', { code: 'training', name: 'Again' })).status).toBe(409);
    expect((await admin.delete('/api/routing/not-ready-reasons/break')).status).toBe(409);
    expect((await agent.put('/api/routing/me/presence', { state: 'not_ready', reason: 'training' })).body.reason).toBe('training');
    expect((await admin.patch('/api/routing/not-ready-reasons/training', { enabled: false })).body.enabled).toBe(false);
    expect((await agent.put('/api/routing/me/presence', { state: 'not_ready', reason: 'training' })).status).toBe(200); // unchanged: already so
    expect((await agent.put('/api/routing/me/presence', { state: 'ready' })).status).toBe(200);
    expect((await agent.put('/api/routing/me/presence', { state: 'not_ready', reason: 'training' })).status).toBe(409);

    const settings = await admin.patch('/api/routing/settings', { wrapUpSeconds: 30, maxOffersAtOnce: 3 });
    expect(settings.body).toMatchObject({ wrapUpSeconds: 30, maxOffersAtOnce: 3 });
    expect((await admin.patch('/api/routing/settings', { maxOffersAtOnce: 0 })).status).toBe(400);
    expect(engine().config.settings.wrapUpSeconds).toBe(30);
    // One setting for how an agent takes calls: the endpoint. The routing settings refuse an external phone and say where it goes.
    const misplaced = await admin.put(`/api/routing/agents/${agentId}/settings`, { externalPhone: '+12025550100' });
    expect(misplaced.status).toBe(400);
    expect(JSON.stringify(misplaced.body)).toContain('/api/agents/{id}/endpoint');
    expect((await agent.get('/api/routing/me')).body.capacity.voice).toBe(0);
    expect((await admin.patch(`/api/agents/${agentId}/endpoint`, { mode: 'external', externalNumber: '+12025550100' })).status).toBe(200);
    expect((await agent.get('/api/routing/me')).body.capacity.voice).toBe(1);
    expect((await admin.patch(`/api/agents/${agentId}/endpoint`, { mode: 'softphone' })).status).toBe(200);
    expect((await agent.get('/api/routing/me')).body.capacity.voice).toBe(0);

    const audit = await admin.get('/api/audit?entityType=routing_rule');
    expect(audit.status).toBe(200);
    const openapi = await admin.get('/api/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/api/routing/rules', '/api/routing/me/presence', '/api/routing/queues']));
  });

  test('the supervisor can set an agent\'s state and read a contact\'s position', async () => {
    const r = await supervisor.put(`/api/routing/agents/${agentId}/presence`, { state: 'not_ready', reason: 'busy' });
    expect(r.body).toMatchObject({ state: 'not_ready', reason: 'busy' });
    const q = await engine().enqueue({ channel: 'chat', target: { kind: 'group', id: groupId } });
    const pos = await supervisor.get(`/api/routing/contacts/${q.contactId}/position`);
    expect(pos.body).toMatchObject({ state: 'queued', position: expect.any(Number), channel: 'chat' });
    await engine().historyWritten();
    const cause = (await world.hotline.db.query('SELECT cause FROM agent_presence_log WHERE user_id = $1 ORDER BY id DESC LIMIT 1', [agentId])).rows[0].cause;
    expect(cause).toMatch(/^supervisor:/);
  });
});
