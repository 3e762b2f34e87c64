/** Issue 13: visitor records are scoped like conversations (item 4); NUL bytes in visitor text are a 400 naming the field (item 6). */
import { ApiClient } from '../helpers/api-client';
import { agentOk, createChatWorld, ok, resetBetweenCases, type ChatWorld } from './support';

let w: ChatWorld;
beforeAll(async () => {
  w = await createChatWorld();
});
afterAll(async () => {
  await w.cleanup();
});
afterEach(async () => {
  await resetBetweenCases(w);
});

describe('visitor info and history are scoped like the conversation', () => {
  it('an agent who never served the visitor gets 403; the serving agent and a supervisor get 200; unknown is 404', async () => {
    const stranger = await w.agent('Stranger', { ready: false });
    const server = await w.agent('Server');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await server.events.wait('conversation.assigned', (c) => c.id === conv.id);
    await ok(v.socket, 'send', { conversationId: conv.id, text: 'my address is secret' });

    for (const path of [`/api/chat/visitors/${v.id}`, `/api/chat/visitors/${v.id}/messages`]) {
      const refused = await stranger.api.get(path);
      expect(refused.status).toBe(403);
      expect(JSON.stringify(refused.body)).not.toContain('secret');
      expect(JSON.stringify(refused.body)).not.toContain('jest-visitor');
      expect((await server.api.get(path)).status).toBe(200);
      // The first admin may see all chats (supervisor.monitor).
      expect((await w.admin.get(path)).status).toBe(200);
    }
    const history = await server.api.get(`/api/chat/visitors/${v.id}/messages`);
    expect(history.body.messages.map((m: any) => m.body)).toContain('my address is secret');
    expect((await stranger.api.get('/api/chat/visitors/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await stranger.api.get('/api/chat/visitors/00000000-0000-4000-8000-000000000000/messages')).status).toBe(404);

    // After the conversation ends, its agent still may read (as for the conversation itself).
    await agentOk(server, 'end', { conversationId: conv.id });
    expect((await server.api.get(`/api/chat/visitors/${v.id}`)).status).toBe(200);
  });
});

describe('NUL bytes in visitor text', () => {
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${w.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { 'x-visitor-token': token } : {}) }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('a page URL with NUL in the visitor session is a 400 naming the field, and chat keeps working', async () => {
    const r = await post('/api/chat/visitor/session', { site: w.siteKey, page: { url: 'a\u0000' } });
    expect(r.status).toBe(400);
    expect(r.body.error.fields).toEqual([{ path: 'page.url', message: expect.stringContaining('NUL') }]);
    const title = await post('/api/chat/visitor/session', { site: w.siteKey, page: { url: 'https://ok.example/', title: 't\u0000' } });
    expect(title.body.error.fields[0].path).toBe('page.title');
    expect((await post('/api/chat/visitor/session', { site: w.siteKey, page: { url: 'https://ok.example/' } })).status).toBe(200);
  });

  it('pageview and leave-message fields with NUL are 400 naming the field', async () => {
    const v = await w.visitor();
    const pv = await post('/api/chat/visitor/pageview', { url: 'https://shop.example/\u0000' }, v.token);
    expect(pv.status).toBe(400);
    expect(pv.body.error.fields[0].path).toBe('url');
    const lm = await post('/api/chat/visitor/leave-message', { fields: { name: 'Li', message: 'call me\u0000' } }, v.token);
    expect(lm.status).toBe(400);
    expect(lm.body.error.fields[0].path).toBe('fields.message');
    const reason = await post('/api/chat/visitor/leave-message', { fields: { name: 'Li', message: 'call me' }, reason: 'x\u0000' }, v.token);
    expect(reason.body.error.fields[0].path).toBe('reason');
    expect((await post('/api/chat/visitor/leave-message', { fields: { name: 'Li', message: 'call me' } }, v.token)).status).toBe(201);
    expect((await new ApiClient(w.url).get('/api/chat/sites/' + w.siteKey + '/public')).status).toBe(200);
  });
});
