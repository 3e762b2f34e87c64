import { realtimeModule } from '../../server/realtime/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { deleteRedisPrefix } from '../helpers/redis-cleanup';
import { createAgent, createGroup } from './support/acd';

/**
 * Redis is live state only: after losing it, a restarted server rebuilds agents,
 * queues (in order) and active contacts from Postgres.
 */
describe('ACD restart rebuilds live state from Postgres', () => {
  let world: TestWorld;
  const engine = () => world.hotline.services.get(ROUTING_SERVICE) as RoutingEngine;

  beforeAll(async () => {
    world = await createTestWorld({ modules: [realtimeModule(), routingModule({ sweepIntervalMs: 50 })] });
  });
  afterAll(async () => {
    await world?.cleanup();
  });

  test('agents, presence, queue order, active contacts and offers come back after Redis loses everything', async () => {
    const db = world.hotline.db;
    await db.query('UPDATE routing_settings SET max_offers_at_once = 5');
    await engine().configChanged();
    const [a, b] = [await createAgent(db, { chatCapacity: 2 }), await createAgent(db)];
    const g = await createGroup(db, [{ agentId: a }, { agentId: b }]);
    await engine().setPresence(a, { state: 'ready' });
    await engine().setPresence(b, { state: 'not_ready', reason: 'break' });
    const target = { kind: 'group' as const, id: g };
    const offered: { offerId: string; contactId: string }[] = [];
    engine().events.on('contact.offered', (e) => offered.push(e));
    const c1 = await engine().enqueue({ channel: 'chat', target, customerId: 'cust-1' });
    const c2 = await engine().enqueue({ channel: 'chat', target });
    const c3 = await engine().enqueue({ channel: 'chat', target });
    const c4 = await engine().enqueue({ channel: 'chat', target, priority: 5 });
    for (let i = 0; i < 200 && offered.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await engine().accept(offered.find((o) => o.contactId === c1.contactId)!.offerId);
    // c2 is offered (not accepted), c4 (priority) then c3 wait.
    expect((await engine().position(c2.contactId)).state).toBe('offered');
    expect((await engine().position(c4.contactId)).position).toBe(1);

    await world.stop();
    await engine().historyWritten(); // Postgres has caught up with what Redis decided
    await deleteRedisPrefix(world.config.redisPrefix); // Redis lost everything
    await world.start();

    const agents = new Map((await engine().agents()).map((x) => [x.agentId, x]));
    expect(agents.get(a)!.presence.state).toBe('ready');
    expect(agents.get(b)!.presence).toMatchObject({ state: 'not_ready', reason: 'break' });
    // c1 is back on a. c2's reservation died with Redis: it waits again, by its original
    // score, so the free slot of a goes to the higher-priority c4, and c2 is next.
    expect((await engine().position(c1.contactId)).state).toBe('active');
    expect((await engine().position(c4.contactId)).state).toBe('offered');
    expect(agents.get(a)!.load).toEqual({ voice: 0, chat: 2, pendingOffers: 1 });
    expect((await engine().position(c2.contactId)).position).toBe(1);
    expect((await engine().position(c3.contactId)).position).toBe(2);
    // The restored active contact completes normally.
    await engine().complete(c1.contactId);
    await engine().historyWritten();
    const row = (await world.hotline.db.query('SELECT status FROM routing_contacts WHERE id = $1', [c1.contactId])).rows[0];
    expect(row.status).toBe('ended');
  });
});
