import Redis from 'ioredis';
import { settingsChannel } from '../../server/chat/module';
import { ChatService, type ChatNotifier } from '../../server/chat/service';
import * as store from '../../server/chat/store';
import { silentLogger } from '../../server/logging/logger';
import { TEST_REDIS } from '../helpers/redis-cleanup';
import { agentCall, agentOk, call, createChatWorld, ok, resetBetweenCases, type ChatWorld } from './support';

/**
 * The one-statement message path (store.sendMessage): access check, insert and
 * timer changes together; nothing about a conversation is cached in a process,
 * so a change made through another server process is seen by the next message.
 */
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

const timerRows = async (convId: string) =>
  (await w.world.hotline.db.query<{ key: string; kind: string; due_at: number }>("SELECT key, kind, due_at FROM chat_timers WHERE key LIKE 'c:' || $1 || ':%' ORDER BY key", [convId])).rows;

describe('the message path', () => {
  it('keeps the timers of an active conversation in Postgres as messages go back and forth', async () => {
    const a = await w.agent('Tess');
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    const t = w.chat.settings.timers;
    // Assignment armed the idle timer; the visitor's message cancels it and starts the reply timer.
    expect((await timerRows(conv.id)).map((r) => r.key)).toEqual([`c:${conv.id}:idle`]);
    const start = w.clock.t;
    await ok(v.socket, 'send', { conversationId: conv.id, text: 'hello' });
    expect(await timerRows(conv.id)).toEqual([{ key: `c:${conv.id}:reply`, kind: 'agent_reply', due_at: start + t.agentReply.seconds * 1000 }]);
    // The reply timer runs from the first unanswered message: a second one does not move it.
    w.clock.advance(10_000);
    await ok(v.socket, 'send', { conversationId: conv.id, text: 'anyone?' });
    expect(await timerRows(conv.id)).toEqual([{ key: `c:${conv.id}:reply`, kind: 'agent_reply', due_at: start + t.agentReply.seconds * 1000 }]);
    // The agent's answer cancels it and re-arms the idle timer from now.
    w.clock.advance(5_000);
    const reply = await agentOk(a, 'send', { conversationId: conv.id, text: 'here' });
    expect(await timerRows(conv.id)).toEqual([{ key: `c:${conv.id}:idle`, kind: 'visitor_idle_warn', due_at: w.clock.t + t.visitorIdleWarn.seconds * 1000 }]);
    // Stored before delivery, and delivered as stored.
    const got = await v.events.wait('message', (m) => m.id === reply.id);
    const row = await w.world.hotline.db.query('SELECT body, sender_kind FROM chat_messages WHERE id = $1', [reply.id]);
    expect(row.rows[0]).toEqual({ body: 'here', sender_kind: 'agent' });
    expect(got).toEqual(reply);
    expect(reply).toMatchObject({ conversationId: conv.id, senderKind: 'agent', senderId: a.id, kind: 'text', body: 'here', readAt: null, recalledAt: null, createdAt: w.clock.t });
  });

  it('refuses strangers, other visitors, bad text and ended conversations, writing nothing', async () => {
    const a = await w.agent('Owen');
    const stranger = await w.agent('Stan', { ready: false });
    const v = await w.visitor();
    const other = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    const count = async () => (await w.world.hotline.db.query<{ n: number }>("SELECT count(*)::int AS n FROM chat_messages WHERE conversation_id = $1 AND sender_kind <> 'system'", [conv.id])).rows[0]!.n;
    expect((await agentCall(stranger, 'send', { conversationId: conv.id, text: 'hi' })).error.code).toBe('forbidden');
    expect((await call(other.socket, 'send', { conversationId: conv.id, text: 'hi' })).error.code).toBe('not_found');
    expect((await call(other.socket, 'send', { conversationId: conv.id, text: '' })).error.code).toBe('not_found');
    expect((await call(v.socket, 'send', { conversationId: '00000000-0000-4000-8000-000000000000', text: 'hi' })).error.code).toBe('not_found');
    expect((await call(v.socket, 'send', { conversationId: conv.id, text: '' })).ok).toBe(false);
    expect(await count()).toBe(0);
    await ok(v.socket, 'end', { conversationId: conv.id });
    expect((await call(v.socket, 'send', { conversationId: conv.id, text: 'late' })).error.code).toBe('invalid_state');
    expect((await agentCall(a, 'send', { conversationId: conv.id, text: 'late' })).error.code).toBe('invalid_state');
    expect(await count()).toBe(0);
    expect(await timerRows(conv.id)).toEqual([]);
  });

  it('sees a participant change made by another server process at the next message', async () => {
    const a = await w.agent('Paula');
    const colleague = await w.agent('Colin', { ready: false });
    const v = await w.visitor();
    const conv = await ok(v.socket, 'start');
    await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
    // A second "process": its own service over the same Postgres, recording what it would deliver.
    const sent: { to: string[]; event: string; data: any }[] = [];
    const agentsGot = (body: string) => sent.filter((s) => s.event === 'message' && s.data.body === body && s.to[0]!.startsWith('a:')).flatMap((s) => s.to).sort();
    const notifier: ChatNotifier = {
      toVisitor: (id, event, data) => sent.push({ to: [`v:${id}`], event, data }),
      toAgents: (ids, event, data) => sent.push({ to: ids.map((x) => `a:${x}`), event, data }),
      visitorOnline: () => Promise.resolve(true),
    };
    const other = new ChatService({ db: w.world.hotline.db, engine: w.engine, log: silentLogger, clock: w.clock.now, notifier });
    await other.reloadSettings();
    await other.send({ kind: 'visitor', visitorId: v.id }, conv.id, { kind: 'text', text: 'before' });
    expect(agentsGot('before')).toEqual([`a:${a.id}`]);
    // The invitation goes through the first process; the second one delivers to the colleague right away.
    await agentOk(a, 'invite', { conversationId: conv.id, agentId: colleague.id });
    await other.send({ kind: 'visitor', visitorId: v.id }, conv.id, { kind: 'text', text: 'after' });
    expect(agentsGot('after')).toEqual([`a:${a.id}`, `a:${colleague.id}`].sort());
    await expect(other.send({ kind: 'agent', agentId: colleague.id }, conv.id, { kind: 'text', text: 'hi from Colin' })).resolves.toMatchObject({ senderId: colleague.id });
    // And the conversation ended through the first process refuses the second one's next message.
    await agentOk(a, 'end', { conversationId: conv.id });
    await expect(other.send({ kind: 'visitor', visitorId: v.id }, conv.id, { kind: 'text', text: 'gone' })).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('reloads the settings when another process announces that it saved them, and announces its own saves', async () => {
    const channel = settingsChannel(w.world.config.redisPrefix);
    const original = w.chat.settings;
    const listener = new Redis(TEST_REDIS);
    const publisher = new Redis(TEST_REDIS);
    try {
      const heard: string[] = [];
      listener.on('message', (ch: string) => heard.push(ch));
      await listener.subscribe(channel);
      // Another process wrote the row and announced it: this one follows.
      await store.saveSettings(w.world.hotline.db, { ...original, timers: { ...original.timers, agentReply: { ...original.timers.agentReply, seconds: 77 } } });
      await publisher.publish(channel, '1');
      for (let i = 0; i < 200 && w.chat.settings.timers.agentReply.seconds !== 77; i++) await new Promise((r) => setTimeout(r, 10));
      expect(w.chat.settings.timers.agentReply.seconds).toBe(77);
      // A save through this process is announced to the others.
      expect((await w.admin.put('/api/chat/settings', original)).status).toBe(200);
      for (let i = 0; i < 200 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(heard).toContain(channel);
      expect(w.chat.settings.timers.agentReply.seconds).toBe(original.timers.agentReply.seconds);
    } finally {
      await listener.quit();
      await publisher.quit();
    }
  });
});
