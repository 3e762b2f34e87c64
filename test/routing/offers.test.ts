import { createAcdWorld, createAgent, createGroup, group, settle, waitForEvent, type AcdWorld } from './support/acd';

/**
 * Offers and reservations against the real Redis and Postgres, on a fake clock:
 * the offer → accept → complete → wrap-up path, the reservation timeout, reject,
 * missed-offer pause, capacity with mixed calls and chats, the burst cap.
 */
describe('ACD offers and capacity (real Redis + Postgres, fake clock)', () => {
  let w: AcdWorld;
  const engine = () => w.acd.engine;
  const offersTo = (contactId: string) => w.acd.events.filter((e) => e.type === 'contact.offered' && e.contactId === contactId) as Extract<(typeof w.acd.events)[number], { type: 'contact.offered' }>[];

  beforeAll(async () => {
    w = await createAcdWorld();
  });
  afterAll(async () => {
    await w?.cleanup();
  });
  beforeEach(async () => {
    await w.settings({ offerTimeoutChatSeconds: 30, offerTimeoutVoiceSeconds: 20, wrapUpSeconds: 10, maxOffersAtOnce: 10, missedOffersBeforeNotReady: 0 });
  });

  test('a phone answered just past the deadline keeps its caller until the sweeper took the offer back', async () => {
    const a = await createAgent(w.db);
    const g = await createGroup(w.db, [{ agentId: a }]);
    await engine().setVoiceEndpoint(a, { registered: true });
    await engine().setPresence(a, { state: 'ready' });
    const r = await engine().enqueue({ channel: 'voice', target: group(g) });
    const offer = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === r.contactId);
    w.clock.advance(20_500); // the answer arrives a sweep tick late
    expect(await engine().accept(offer.offerId)).toMatchObject({ contactId: r.contactId, agentId: a });
    await engine().complete(r.contactId);

    await engine().setPresence(a, { state: 'ready' });
    const r2 = await engine().enqueue({ channel: 'voice', target: group(g) });
    const o2 = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === r2.contactId);
    w.clock.advance(20_500);
    await engine().sweep();
    await expect(engine().accept(o2.offerId)).rejects.toMatchObject({ code: 'not_found' });
  });

  test('offer, accept, complete: a call frees the slot into wrap-up, which ends on its timer', async () => {
    const a = await createAgent(w.db);
    const g = await createGroup(w.db, [{ agentId: a }]);
    await engine().setVoiceEndpoint(a, { registered: true });
    await engine().setPresence(a, { state: 'ready' });
    const r = await engine().enqueue({ channel: 'voice', target: group(g), customerId: 'cust-1' });
    expect(r.status).toBe('offered');
    const offer = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === r.contactId);
    expect(offer).toMatchObject({ agentId: a, channel: 'voice', target: group(g), decidedBy: engine().instanceId, deadline: w.clock.t + 20_000 });

    w.clock.advance(3000);
    expect(await engine().accept(offer.offerId)).toEqual({ contactId: r.contactId, agentId: a, channel: 'voice' });
    const accepted = await waitForEvent(w.acd, 'offer.accepted', (e) => e.offerId === offer.offerId);
    expect(accepted.waitMs).toBe(3000);
    expect((await w.acd.live.getAgent(a))!.load).toEqual({ voice: 1, chat: 0, pendingOffers: 0 });
    // A second accept of the same offer finds nothing.
    await expect(engine().accept(offer.offerId)).rejects.toMatchObject({ code: 'not_found' });

    w.clock.advance(60_000);
    await engine().complete(r.contactId);
    let agent = (await w.acd.live.getAgent(a))!;
    expect(agent.presence).toMatchObject({ state: 'wrap_up', wrapUntil: w.clock.t + 10_000 });
    expect(agent.load.voice).toBe(0);
    await engine().historyWritten();
    const row = (await w.db.query('SELECT status, wait_ms, handle_ms, agent_id FROM routing_contacts WHERE id = $1', [r.contactId])).rows[0];
    expect(row).toEqual({ status: 'ended', wait_ms: 3000, handle_ms: 60_000, agent_id: a });

    // A call waiting during wrap-up is not offered until wrap-up ends.
    const next = await engine().enqueue({ channel: 'voice', target: group(g) });
    expect(next.status).toBe('queued');
    w.clock.advance(10_001);
    await engine().sweep();
    agent = (await w.acd.live.getAgent(a))!;
    expect(agent.presence.state).toBe('ready');
    await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === next.contactId && e.agentId === a);
    await engine().historyWritten();
    const log = (await w.db.query('SELECT state, cause FROM agent_presence_log WHERE user_id = $1 ORDER BY id', [a])).rows;
    expect(log).toEqual([
      { state: 'ready', cause: 'agent' },
      { state: 'wrap_up', cause: 'voice_contact_ended' },
      { state: 'ready', cause: 'wrap_up_elapsed' },
    ]);
  });

  test('reservation timeout: the contact keeps its place and goes to the next agent', async () => {
    await w.settings({ offerTimeoutChatSeconds: 5 });
    const [a, b] = [await createAgent(w.db, { chatCapacity: 1 }), await createAgent(w.db, { chatCapacity: 1 })];
    const g = await createGroup(w.db, [{ agentId: a }, { agentId: b }]);
    await engine().setPresence(a, { state: 'ready' });
    w.clock.advance(1000);
    await engine().setPresence(b, { state: 'ready' });
    const c1 = await engine().enqueue({ channel: 'chat', target: group(g) });
    w.clock.advance(100);
    const c2 = await engine().enqueue({ channel: 'chat', target: group(g) });
    w.clock.advance(100);
    const c3 = await engine().enqueue({ channel: 'chat', target: group(g) });
    expect(offersTo(c1.contactId).map((o) => o.agentId)).toEqual([a]); // longest idle first
    await settle(w.acd);
    expect(offersTo(c2.contactId).map((o) => o.agentId)).toEqual([b]);
    expect(c3).toMatchObject({ status: 'queued', position: 1 });

    // Neither agent answers: both reservations expire; the two contacts are offered again
    // ahead of c3, each to the agent who has not tried it yet.
    w.clock.advance(5001);
    await engine().sweep();
    await settle(w.acd);
    const timedOut = w.acd.events.filter((e) => e.type === 'offer.timed_out' && [c1.contactId, c2.contactId].includes(e.contactId));
    expect(timedOut).toHaveLength(2);
    expect(offersTo(c1.contactId).map((o) => o.agentId)).toEqual([a, b]);
    expect(offersTo(c2.contactId).map((o) => o.agentId)).toEqual([b, a]);
    expect(await engine().position(c3.contactId)).toMatchObject({ state: 'queued', position: 1 });
  });

  test('reject sends the contact to the next agent; an agent cannot answer for another', async () => {
    const [a, b] = [await createAgent(w.db), await createAgent(w.db)];
    const g = await createGroup(w.db, [{ agentId: a }, { agentId: b }]);
    await engine().setPresence(a, { state: 'ready' });
    w.clock.advance(10);
    await engine().setPresence(b, { state: 'ready' });
    const c = await engine().enqueue({ channel: 'chat', target: group(g) });
    const first = offersTo(c.contactId)[0] ?? (await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === c.contactId));
    expect(first.agentId).toBe(a);
    await expect(engine().reject(first.offerId, { agentId: b })).rejects.toMatchObject({ code: 'not_found' });
    await engine().reject(first.offerId, { agentId: a });
    const second = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === c.contactId && e.offerId !== first.offerId);
    expect(second.agentId).toBe(b);
    await waitForEvent(w.acd, 'offer.rejected', (e) => e.offerId === first.offerId);
  });

  test('after N missed offers a ready agent goes not_ready "missed" (autopause)', async () => {
    await w.settings({ offerTimeoutChatSeconds: 5, missedOffersBeforeNotReady: 2 });
    const a = await createAgent(w.db);
    const g = await createGroup(w.db, [{ agentId: a }]);
    await engine().setPresence(a, { state: 'ready' });
    const c = await engine().enqueue({ channel: 'chat', target: group(g) });
    w.clock.advance(5001);
    await engine().sweep();
    expect((await w.acd.live.getAgent(a))!.presence.state).toBe('ready');
    w.clock.advance(5001);
    await engine().sweep();
    const agent = (await w.acd.live.getAgent(a))!;
    expect(agent.presence).toMatchObject({ state: 'not_ready', reason: 'missed' });
    expect(agent.load).toEqual({ voice: 0, chat: 0, pendingOffers: 0 });
    await waitForEvent(w.acd, 'agent.presence', (e) => e.agentId === a && e.presence.reason === 'missed');
    expect(await engine().position(c.contactId)).toMatchObject({ state: 'queued', position: 1 });
    await engine().historyWritten();
    const row = (await w.db.query('SELECT state, reason FROM agent_presence WHERE user_id = $1', [a])).rows[0];
    expect(row).toEqual({ state: 'not_ready', reason: 'missed' });
    // People cannot claim an unknown reason, nor the system's own.
    await expect(engine().setPresence(a, { state: 'not_ready', reason: 'lunch' })).rejects.toMatchObject({ code: 'invalid_state' });
    await w.db.query("INSERT INTO routing_not_ready_reasons (code, name) VALUES ('lunch', 'Lunch')");
    await w.acd.engine.configChanged();
    expect(await engine().setPresence(a, { state: 'not_ready', reason: 'lunch' })).toMatchObject({ state: 'not_ready', reason: 'lunch' });
    await expect(engine().setPresence(a, { state: 'not_ready', reason: 'missed' })).rejects.toMatchObject({ code: 'invalid_state' });
  });

  test('capacity with mixed calls and chats: one call, N chats, a call blocks chats unless configured not to', async () => {
    const m = await createAgent(w.db, { chatCapacity: 2 });
    const g = await createGroup(w.db, [{ agentId: m }]);
    await engine().setVoiceEndpoint(m, { registered: true });
    await engine().setPresence(m, { state: 'ready' });
    const v1 = await engine().enqueue({ channel: 'voice', target: group(g) });
    const o1 = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === v1.contactId);
    await engine().accept(o1.offerId);

    const c1 = await engine().enqueue({ channel: 'chat', target: group(g) });
    expect(c1.status).toBe('queued'); // the call blocks chats (the default)
    await engine().setAgentSettings(m, { callBlocksChat: false });
    await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === c1.contactId && e.agentId === m);
    const c2 = await engine().enqueue({ channel: 'chat', target: group(g) });
    expect(c2.status).toBe('offered');
    const c3 = await engine().enqueue({ channel: 'chat', target: group(g) });
    expect(c3.status).toBe('queued'); // chat capacity 2 reached (offers count)
    const v2 = await engine().enqueue({ channel: 'voice', target: group(g) });
    expect(v2.status).toBe('queued'); // one call at a time
    expect((await w.acd.live.getAgent(m))!.load).toEqual({ voice: 1, chat: 2, pendingOffers: 2 });

    // The agent lowers their own chat capacity; above the admin's limit is refused.
    await expect(engine().setChatCapacity(m, 3)).rejects.toMatchObject({ code: 'validation_failed' });
    await engine().setChatCapacity(m, 1);
    expect((await w.acd.live.getAgent(m))!.capacity).toEqual({ voice: 1, chat: 1, callBlocksChat: false });
  });

  test('voice needs a registered softphone or an external phone', async () => {
    const [u, x] = [await createAgent(w.db), await createAgent(w.db)];
    const gu = await createGroup(w.db, [{ agentId: u }]);
    const gx = await createGroup(w.db, [{ agentId: x }]);
    await engine().setPresence(u, { state: 'ready' });
    await engine().setPresence(x, { state: 'ready' });
    const cu = await engine().enqueue({ channel: 'voice', target: group(gu) });
    const cx = await engine().enqueue({ channel: 'voice', target: group(gx) });
    expect([cu.status, cx.status]).toEqual(['queued', 'queued']);
    await engine().setVoiceEndpoint(u, { registered: true });
    await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === cu.contactId && e.agentId === u);
    // An external phone (the agent endpoint's mode) gives voice capacity without any registration.
    await w.db.query("INSERT INTO agent_endpoints (user_id, sip_username, sip_password, mode, external_number) VALUES ($1, $2, 'x', 'external', '+8613800000000')", [x, `ext-${x.slice(0, 8)}`]);
    await engine().syncAgent(x);
    await engine().kick(x);
    await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === cx.contactId && e.agentId === x);
    // Unregistering stops further calls (the telephony layer reports sofia::unregister).
    await engine().setVoiceEndpoint(u, { registered: false });
    expect((await w.acd.live.getAgent(u))!.capacity.voice).toBe(0);
  });

  test('burst cap: an agent who turns ready with a queue waiting gets at most N offers at once', async () => {
    await w.settings({ maxOffersAtOnce: 2 });
    const a = await createAgent(w.db, { chatCapacity: 5 });
    const g = await createGroup(w.db, [{ agentId: a }]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await engine().enqueue({ channel: 'chat', target: group(g) })).contactId);
      w.clock.advance(1);
    }
    await engine().setPresence(a, { state: 'ready' });
    await settle(w.acd);
    const offered = () => w.acd.events.filter((e) => e.type === 'contact.offered' && ids.includes(e.contactId)) as Extract<(typeof w.acd.events)[number], { type: 'contact.offered' }>[];
    expect(offered().map((o) => o.contactId)).toEqual(ids.slice(0, 2));
    await engine().accept(offered()[0]!.offerId);
    await settle(w.acd);
    expect(offered().map((o) => o.contactId)).toEqual(ids.slice(0, 3));
  });

  test('a slot freeing while contacts wait goes at once to the oldest head of the agent\'s queues; misses and idle time stay exact', async () => {
    await w.settings({ maxOffersAtOnce: 1, offerTimeoutChatSeconds: 5 });
    const a = await createAgent(w.db, { chatCapacity: 2 });
    const [g1, g2] = [await createGroup(w.db, [{ agentId: a }]), await createGroup(w.db, [{ agentId: a }])];
    await engine().setPresence(a, { state: 'ready' });
    const c1 = await engine().enqueue({ channel: 'chat', target: group(g1) });
    w.clock.advance(10);
    const y = await engine().enqueue({ channel: 'chat', target: group(g2) });
    w.clock.advance(10);
    const x = await engine().enqueue({ channel: 'chat', target: group(g1) });
    expect([y.status, x.status]).toEqual(['queued', 'queued']); // the burst cap holds them back
    // c1's offer times out (a miss) and comes back to a, the only agent.
    w.clock.advance(5001);
    await engine().sweep();
    await settle(w.acd);
    expect(offersTo(c1.contactId).map((o) => o.agentId)).toEqual([a, a]);
    expect((await w.acd.live.getAgent(a))!.misses).toBe(1);

    // Accepting frees the burst slot: y (g2) waited longer than x (g1).
    await engine().accept(offersTo(c1.contactId)[1]!.offerId);
    await settle(w.acd);
    expect(offersTo(y.contactId).map((o) => o.agentId)).toEqual([a]);
    expect(offersTo(x.contactId)).toEqual([]);
    let agent = (await w.acd.live.getAgent(a))!;
    expect(agent.misses).toBe(0);
    expect(agent.load).toEqual({ voice: 0, chat: 2, pendingOffers: 1 });

    // Full: completing c1 frees a chat slot, and x is offered in the same step.
    await engine().accept(offersTo(y.contactId)[0]!.offerId);
    await engine().complete(c1.contactId);
    await settle(w.acd);
    expect(offersTo(x.contactId).map((o) => o.agentId)).toEqual([a]);
    // Their last contacts end with nothing waiting: idle from that moment, and in the index again.
    await engine().accept(offersTo(x.contactId)[0]!.offerId);
    w.clock.advance(1000);
    await engine().complete(y.contactId);
    const idleFrom = w.clock.advance(1000);
    await engine().complete(x.contactId);
    agent = (await w.acd.live.getAgent(a))!;
    expect(agent).toMatchObject({ idleSince: idleFrom, load: { voice: 0, chat: 0, pendingOffers: 0 } });
    const next = await engine().enqueue({ channel: 'chat', target: group(g2) });
    expect(next.status).toBe('offered');
  });

  test('a contact waiting when the agent\'s last contact ends is theirs at once, and their idle time starts then', async () => {
    const a = await createAgent(w.db, { chatCapacity: 1 });
    const g = await createGroup(w.db, [{ agentId: a }]);
    await engine().setPresence(a, { state: 'ready' });
    const c1 = await engine().enqueue({ channel: 'chat', target: group(g) });
    await engine().accept(offersTo(c1.contactId)[0]?.offerId ?? (await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === c1.contactId)).offerId);
    const c2 = await engine().enqueue({ channel: 'chat', target: group(g) });
    expect(c2.status).toBe('queued');
    const ended = w.clock.advance(60_000);
    await engine().complete(c1.contactId);
    await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === c2.contactId && e.agentId === a);
    expect((await w.acd.live.getAgent(a))!).toMatchObject({ idleSince: ended, load: { chat: 1, pendingOffers: 1 } });
  });

  test('abandon records the wait; abandoning while offered cancels the offer and frees the agent', async () => {
    const a = await createAgent(w.db, { chatCapacity: 1 });
    const g = await createGroup(w.db, [{ agentId: a }]);
    const waiting = await engine().enqueue({ channel: 'chat', target: group(g) });
    w.clock.advance(12_000);
    expect(await engine().abandon(waiting.contactId)).toEqual({ waitMs: 12_000 });
    await engine().historyWritten();
    const row = (await w.db.query('SELECT status, wait_ms, abandoned_while FROM routing_contacts WHERE id = $1', [waiting.contactId])).rows[0];
    expect(row).toEqual({ status: 'abandoned', wait_ms: 12_000, abandoned_while: 'queued' });
    await expect(engine().abandon(waiting.contactId)).rejects.toMatchObject({ code: 'not_found' });

    await engine().setPresence(a, { state: 'ready' });
    const ringing = await engine().enqueue({ channel: 'chat', target: group(g) });
    const offer = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === ringing.contactId);
    await engine().abandon(ringing.contactId);
    await waitForEvent(w.acd, 'offer.cancelled', (e) => e.offerId === offer.offerId && e.agentId === a);
    expect((await w.acd.live.getAgent(a))!.load).toEqual({ voice: 0, chat: 0, pendingOffers: 0 });
    await expect(engine().accept(offer.offerId)).rejects.toMatchObject({ code: 'not_found' });
    // An active contact is completed, not abandoned; a waiting one is abandoned, not completed.
    const served = await engine().enqueue({ channel: 'chat', target: group(g) });
    const o2 = await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === served.contactId);
    await expect(engine().complete(served.contactId)).rejects.toMatchObject({ code: 'invalid_state' });
    await engine().accept(o2.offerId);
    await expect(engine().abandon(served.contactId)).rejects.toMatchObject({ code: 'invalid_state' });
    await engine().complete(served.contactId);
  });

  test('queue order is priority, then waiting time; position and estimated wait are available', async () => {
    const a = await createAgent(w.db);
    const g = await createGroup(w.db, [{ agentId: a }]);
    await engine().setPresence(a, { state: 'not_ready', reason: 'break' });
    const low1 = await engine().enqueue({ channel: 'chat', target: group(g) });
    w.clock.advance(1000);
    const low2 = await engine().enqueue({ channel: 'chat', target: group(g) });
    w.clock.advance(1000);
    const vip = await engine().enqueue({ channel: 'chat', target: group(g), priority: 10 });
    const positions = await Promise.all([vip, low1, low2].map((c) => engine().position(c.contactId)));
    expect(positions.map((p) => p.position)).toEqual([1, 2, 3]);
    // One agent logged in with 5 chat slots and no history: head waits half the default handle time.
    expect(positions[0]!.estimatedWaitSeconds).toBe(90);
    expect(positions[1]!.waitedSeconds).toBe(2);
    await engine().setPresence(a, { state: 'ready' });
    await settle(w.acd);
    const order = w.acd.events.filter((e) => e.type === 'contact.offered' && e.agentId === a).map((e) => (e as { contactId: string }).contactId);
    expect(order).toEqual([vip.contactId, low1.contactId, low2.contactId]);
  });
});
