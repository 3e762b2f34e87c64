import { agentCall, agentOk, CHAT_WORLD_GRACE_MS, createChatWorld, ok, resetBetweenCases, type ChatWorld } from './support';

let w: ChatWorld;
beforeAll(async () => {
  w = await createChatWorld({ settings: { timers: { transferAcceptSeconds: 30 } } });
});
afterAll(async () => {
  await w.cleanup();
});
afterEach(async () => {
  await resetBetweenCases(w);
});

const timersDue = async (ms: number) => {
  w.clock.advance(ms);
  await w.chat.timers.runDue();
};

describe('web chat flows', () => {
  it('with every agent full the visitor waits with a correct position, and is served when a slot frees', async () => {
    const a = await w.agent('Full', { capacity: 1 });
    const v1 = await w.visitor();
    const c1 = await ok(v1.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === c1.id);
    const v2 = await w.visitor();
    const c2 = await ok(v2.socket, 'start');
    expect(c2).toMatchObject({ state: 'queued', position: 1 });
    await v2.events.wait('message', (m) => m.body === '排队中，您在队伍中的第1个');
    const v3 = await w.visitor({ language: 'en' });
    const c3 = await ok(v3.socket, 'start');
    expect(c3.position).toBe(2);
    await v3.events.wait('message', (m) => m.body === 'You are number 2 in the queue.');
    await agentOk(a, 'end', { conversationId: c1.id });
    await a.events.wait('conversation.assigned', (c) => c.id === c2.id);
    await v3.events.wait('queue', (q) => q.position === 1);
  });

  it('recall works within 2 minutes and is refused after', async () => {
    const a = await w.agent('Rita');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    const m1 = await agentOk(a, 'send', { conversationId: conv.id, text: 'oops' });
    w.clock.advance(119_000);
    await agentOk(a, 'recall', { messageId: m1.id });
    await v.events.wait('message.recalled', (r) => r.messageId === m1.id);
    const m2 = await agentOk(a, 'send', { conversationId: conv.id, text: 'later' });
    w.clock.advance(121_000);
    const r = await agentCall(a, 'recall', { messageId: m2.id });
    expect(r.error.code).toBe('invalid_state');
  });

  it('fires timers: agent reply auto message, visitor idle warning then auto-close', async () => {
    const a = await w.agent('Tim');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    await ok(v.socket, 'send', { conversationId: conv.id, text: 'hello?' });
    await timersDue(121_000);
    await v.events.wait('message', (m) => m.body === '您好，当前咨询客户量过多，客服正在忙碌中，请稍候。');
    await agentOk(a, 'send', { conversationId: conv.id, text: 'here' });
    await timersDue(181_000);
    await v.events.wait('message', (m) => m.body.startsWith('您好，由于您长时间没有回复，本次咨询将于2分钟后自动结束'));
    await timersDue(121_000);
    await v.events.wait('message', (m) => m.body === '您好，由于您长时间没有回复，系统自动结束了本次咨询。');
    const ended = await a.events.wait('conversation.ended', (c) => c.id === conv.id);
    expect(ended.endReason).toBe('visitor_idle');
    await v.events.wait('rating.request');
  });

  it('queue timeout ends the wait and offers the leave-message form; nobody online goes straight there', async () => {
    const v = await w.visitor();
    const c = await ok(v.socket, 'start');
    expect(c.state).toBe('ended');
    const lm = await v.events.wait('leave_message');
    expect(lm.fields.map((f: any) => f.key)).toEqual(['name', 'phone', 'email', 'message']);
    await v.events.wait('message', (m) => m.body.startsWith('非常抱歉，当前没有客服在线'));
    const bad = await fetch(`${w.url}/api/chat/visitor/leave-message`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-visitor-token': v.token }, body: JSON.stringify({ fields: { name: 'Li' } }) });
    expect(bad.status).toBe(400);
    const good = await fetch(`${w.url}/api/chat/visitor/leave-message`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-visitor-token': v.token }, body: JSON.stringify({ fields: { name: 'Li', message: '请回电' } }) });
    expect(good.status).toBe(201);
    const a = await w.agent('Inbox', { capacity: 1 });
    const inbox = await a.api.get('/api/chat/leave-messages');
    expect(inbox.body.some((x: any) => x.fields.message === '请回电')).toBe(true);

    // Queue timeout: the only agent is busy.
    const v1 = await w.visitor();
    const c1 = await ok(v1.socket, 'start');
    await a.events.wait('conversation.assigned', (x) => x.id === c1.id);
    const v2 = await w.visitor();
    const c2 = await ok(v2.socket, 'start');
    expect(c2.state).toBe('queued');
    await timersDue(181_000);
    await v2.events.wait('message', (m) => m.body === '对不起。排队超时');
    await v2.events.wait('state', (s) => s.state === 'ended');
  });

  it('transfers to an agent: accept, decline and timeout; the conversation continues meanwhile', async () => {
    const a = await w.agent('From');
    const b = await w.agent('To', { ready: false });
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    // The target is online (a transfer leg goes through the ACD, so their capacity applies).
    await agentOk(b, 'presence', { state: 'ready' });

    // Decline.
    const t1 = await agentOk(a, 'transfer', { conversationId: conv.id, agentId: b.id, note: 'VIP' });
    const req1 = await b.events.wait('transfer.request', (r) => r.transferId === t1.transferId);
    expect(req1.title.zh).toBe(`坐席From请求将访客${v.id.slice(0, 8)}转接`);
    await agentOk(b, 'transfer.answer', { transferId: t1.transferId, accept: false });
    await a.events.wait('transfer.declined', (r) => r.transferId === t1.transferId);

    // Timeout: the conversation keeps going while the request waits.
    const t2 = await agentOk(a, 'transfer', { conversationId: conv.id, agentId: b.id });
    await agentOk(a, 'send', { conversationId: conv.id, text: 'still here' });
    await timersDue(31_000);
    await a.events.wait('transfer.timed_out', (r) => r.transferId === t2.transferId);
    expect((await agentCall(b, 'transfer.answer', { transferId: t2.transferId, accept: true })).error.code).toBe('invalid_state');

    // Accept: the visitor is told, the first agent lets go.
    const t3 = await agentOk(a, 'transfer', { conversationId: conv.id, agentId: b.id });
    await agentOk(b, 'transfer.answer', { transferId: t3.transferId, accept: true });
    await b.events.wait('conversation.assigned', (c) => c.id === conv.id);
    await a.events.wait('conversation.transferred', (c) => c.conversationId === conv.id);
    await v.events.wait('message', (m) => m.body === '已为您转接坐席To');
    const m = await ok(v.socket, 'send', { conversationId: conv.id, text: 'hi To' });
    await b.events.wait('message', (x) => x.id === m.id);
    expect((await agentCall(a, 'send', { conversationId: conv.id, text: 'me?' })).ok).toBe(false);
  });

  it('requeues with priority when every connection of the agent is gone for the grace period; the visitor gets 30 s to come back', async () => {
    const a = await w.agent('Gone');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    const presenceOf = async (id: string) => (await w.engine.agents()).find((x) => x.agentId === id)!.presence.state;
    const b = await w.agent('Next');
    a.socket.disconnect();
    await new Promise((r) => setTimeout(r, CHAT_WORLD_GRACE_MS / 4));
    // Within the grace the agent keeps presence and the conversation.
    expect(await presenceOf(a.id)).toBe('ready');
    expect((await w.chat.snapshot(conv.id)).agentId).toBe(a.id);
    await b.events.wait('conversation.assigned', (c) => c.id === conv.id, CHAT_WORLD_GRACE_MS + 5000);
    expect(await presenceOf(a.id)).toBe('offline');
    const { rows } = await w.world.hotline.db.query('SELECT priority FROM routing_contacts WHERE id = $1', [`${conv.id}:2`]);
    expect(rows[0].priority).toBe(50);

    // Visitor drops and comes back within 30 s: still going. Drops for longer: left.
    v.socket.disconnect();
    await waitFor(async () => (await w.chat.timers.pending(`v:${v.id}:gone`)).length === 1);
    v.socket.connect();
    await waitFor(async () => (await w.chat.timers.pending(`v:${v.id}:gone`)).length === 0);
    await timersDue(31_000);
    expect((await w.chat.snapshot(conv.id)).state).toBe('active');
    v.socket.disconnect();
    await waitFor(async () => (await w.chat.timers.pending(`v:${v.id}:gone`)).length === 1);
    await timersDue(31_000);
    const ended = await b.events.wait('conversation.ended', (c) => c.id === conv.id);
    expect(ended.endReason).toBe('visitor_left');
  });

  it('a blacklisted visitor sees the admin message and cannot start', async () => {
    const a = await w.agent('Guard');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    await agentOk(a, 'blacklist', { conversationId: conv.id, reason: 'abuse', expiresAt: new Date(Date.now() + 86400_000).toISOString() });
    await v.events.wait('message', (m) => m.body === '抱歉，您暂时无法发起咨询。');
    const again = await ok(v.socket, 'start');
    expect(again).toMatchObject({ state: 'ended', endReason: 'blacklisted' });
  });
});

async function waitFor(pred: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
