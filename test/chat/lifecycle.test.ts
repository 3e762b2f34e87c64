import { agentCall, agentOk, call, createChatWorld, ok, type ChatWorld } from './support';

let w: ChatWorld;
beforeAll(async () => {
  w = await createChatWorld();
});
afterAll(async () => {
  await w.cleanup();
});

describe('web chat lifecycle over WebSocket', () => {
  it('queues, assigns, exchanges messages with read receipts and typing, ends, rates and wraps up', async () => {
    const a = await w.agent('Alice');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    const assigned = await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    expect(assigned.agentId).toBe(a.id);
    const state = await v.events.wait('state', (s) => s.state === 'active');
    expect(state.agentName).toBe('Alice');
    // System messages: assigned with {agent} filled, then the welcome text of seed 000 §4.2.1.
    await v.events.wait('message', (m) => m.kind === 'system' && m.body === '坐席分配成功，Alice为您服务。');
    await v.events.wait('message', (m) => m.body === '您好，很高兴能为您服务！请问有什么可以帮您的吗？');

    const sent = await ok(v.socket, 'send', { conversationId: conv.id, text: '你好，我的订单没到 😀' });
    const got = await a.events.wait('message', (m) => m.id === sent.id);
    expect(got.body).toBe('你好，我的订单没到 😀');
    await agentOk(a, 'typing', { conversationId: conv.id, typing: true });
    await v.events.wait('typing', (t) => t.by === 'agent');
    const reply = await agentOk(a, 'send', { conversationId: conv.id, text: 'Let me check.' });
    await v.events.wait('message', (m) => m.id === reply.id);
    const read = await ok(v.socket, 'read', { conversationId: conv.id, upTo: reply.id });
    expect(read).toContain(reply.id);
    await a.events.wait('message.read', (r) => r.by === 'visitor' && r.ids.includes(reply.id));

    // Visitor info was recorded.
    const info = await a.api.get(`/api/chat/visitors/${v.id}`);
    expect(info.body).toMatchObject({ userAgent: 'jest-visitor', referrer: 'https://search.example/', landingPage: 'https://shop.example/landing' });
    expect(info.body.pages[0].url).toBe('https://shop.example/landing');

    // Invite rating once; the second is refused.
    await agentOk(a, 'rating.invite', { conversationId: conv.id });
    const req = await v.events.wait('rating.request');
    expect(req.options.map((o: any) => o.level)).toEqual([5, 4, 3, 2, 1]);
    expect((await agentCall(a, 'rating.invite', { conversationId: conv.id })).error.code).toBe('already_invited');

    const ended = await agentOk(a, 'end', { conversationId: conv.id });
    expect(ended).toMatchObject({ state: 'ended', endReason: 'agent' });
    await v.events.wait('message', (m) => m.body === '本次咨询已结束，感谢您的支持，祝您生活愉快！');
    await ok(v.socket, 'rate', { conversationId: conv.id, level: 5, tags: [], comment: '很好' });
    expect((await call(v.socket, 'rate', { conversationId: conv.id, level: 4 })).error.code).toBe('already_rated');

    // Wrap-up: draft, refused submit without resolved, submit, then immutable.
    const root = await w.admin.post('/api/chat/wrapup-categories', { name: '物流' });
    let parent = root.body.id;
    for (const name of ['配送', '延迟', '超时']) parent = (await w.admin.post('/api/chat/wrapup-categories', { name, parentId: parent })).body.id;
    expect((await w.admin.post('/api/chat/wrapup-categories', { name: 'five', parentId: parent })).status).toBe(400);
    expect((await agentOk(a, 'wrapup', { conversationId: conv.id, categoryId: parent, note: 'draft' })).status).toBe('draft');
    expect((await agentCall(a, 'wrapup', { conversationId: conv.id, categoryId: parent, submit: true })).error.code).toBe('validation_failed');
    expect((await agentOk(a, 'wrapup', { conversationId: conv.id, categoryId: parent, resolved: true, submit: true })).status).toBe('submitted');
    expect((await agentCall(a, 'wrapup', { conversationId: conv.id, categoryId: parent, resolved: false })).error.code).toBe('invalid_state');

    // History pages across the visitor's conversations.
    const h1 = await ok(v.socket, 'history', { limit: 3 });
    expect(h1.messages).toHaveLength(3);
    const h2 = await ok(v.socket, 'history', { limit: 100, before: h1.next });
    const all = [...h1.messages, ...h2.messages];
    expect(all.map((m: any) => m.body)).toContain('你好，我的订单没到 😀');
    expect(Number(h2.messages[0].id)).toBeLessThan(Number(h1.messages[2].id));
    await agentOk(a, 'presence', { state: 'offline' });
  });

  it('keeps an injection attempt as plain data', async () => {
    const a = await w.agent('Bob');
    const v = await w.visitor({ language: 'en' });
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const m = await ok(v.socket, 'send', { conversationId: conv.id, text: evil });
    expect((await a.events.wait('message', (x) => x.id === m.id)).body).toBe(evil);
    const res = await a.api.get(`/api/chat/conversations/${conv.id}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.body.messages.find((x: any) => x.id === m.id).body).toBe(evil);
    await agentOk(a, 'end', { conversationId: conv.id });
    await agentOk(a, 'presence', { state: 'offline' });
  });

  it('refuses oversized and forbidden files, serves allowed ones only to parties', async () => {
    const a = await w.agent('Cara');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    const up = (name: string, type: string, bytes: Uint8Array) => {
      const fd = new FormData();
      fd.append('file', new Blob([bytes], { type }), name);
      return fetch(`${w.url}/api/chat/conversations/${conv.id}/files`, { method: 'POST', headers: { 'x-visitor-token': v.token }, body: fd });
    };
    const svg = await up('x.svg', 'image/svg+xml', new TextEncoder().encode('<svg onload="alert(1)"/>'));
    expect(svg.status).toBe(400);
    const big = new Uint8Array(6 * 1024 * 1024);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // Over the 5 MB image limit: 413 (issue 13 item 7), as for any upload over its limit.
    expect((await up('big.png', 'image/png', big)).status).toBe(413);
    const exe = await up('x.exe', 'application/x-msdownload', new Uint8Array([0x4d, 0x5a]));
    expect(exe.status).toBe(400);
    const png = await up('ok.png', 'image/png', big.subarray(0, 1000));
    expect(png.status).toBe(201);
    const file = (await png.json()) as { id: string; kind: string };
    expect(file.kind).toBe('image');
    const msg = await ok(v.socket, 'send', { conversationId: conv.id, kind: 'image', fileId: file.id });
    await a.events.wait('message', (m) => m.id === msg.id && m.fileId === file.id);
    const got = await fetch(`${w.url}/api/chat/files/${file.id}`, { headers: { cookie: a.api.cookie! } });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${w.url}/api/chat/files/${file.id}`, { headers: { 'x-visitor-token': v.token } })).status).toBe(200);
    const stranger = await w.agent('Dan', { ready: false });
    expect((await fetch(`${w.url}/api/chat/files/${file.id}`, { headers: { cookie: stranger.api.cookie! } })).status).toBe(403);
    expect((await fetch(`${w.url}/api/chat/files/${file.id}`)).status).toBe(401);
    await agentOk(a, 'end', { conversationId: conv.id });
    await agentOk(a, 'presence', { state: 'offline' });
  });
});
