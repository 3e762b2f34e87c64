import { putStrategy, strategyBody } from '../../server/routing/adapters/pg-admin';
import type { StrategyKind } from '../../server/routing/policy/strategies';
import { createAcdWorld, createAgent, createGroup, group, seededRandom, settle, type AcdWorld } from './support/acd';

/** Each strategy through the real stack: live facts from Redis, ranking in policy, atomic claim. */
describe('ACD strategies (real Redis + Postgres, fake clock)', () => {
  let w: AcdWorld;
  const engine = () => w.acd.engine;

  beforeAll(async () => {
    w = await createAcdWorld({ random: seededRandom(42) });
    await w.settings({ maxOffersAtOnce: 10 });
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  async function groupWith(kind: StrategyKind, agents: { agentId: string; level?: number }[], extra: { returningCustomerFirst?: boolean; returningWindowSeconds?: number } = {}) {
    const g = await createGroup(w.db, agents);
    await putStrategy(w.db, g, strategyBody.parse({ kind, ...extra }));
    await engine().configChanged();
    return g;
  }
  /** Enqueues a chat and returns the agent it was offered to (after accepting it), or null. */
  async function route(g: string, opts: { customerId?: string; accept?: boolean } = {}): Promise<string | null> {
    const r = await engine().enqueue({ channel: 'chat', target: group(g), customerId: opts.customerId });
    await settle(w.acd);
    const offer = w.acd.events.find((e) => e.type === 'contact.offered' && e.contactId === r.contactId) as { offerId: string; agentId: string } | undefined;
    if (offer && opts.accept !== false) await engine().accept(offer.offerId);
    w.clock.advance(10);
    return offer?.agentId ?? null;
  }
  async function readyInOrder(...ids: string[]) {
    for (const id of ids) {
      await engine().setPresence(id, { state: 'ready' });
      w.clock.advance(1000);
    }
  }

  test('longest idle: the agent free the longest gets the contact; busy agents come after idle ones', async () => {
    const [a, b, c] = [await createAgent(w.db), await createAgent(w.db), await createAgent(w.db)];
    const g = await groupWith('longest_idle', [{ agentId: a }, { agentId: b }, { agentId: c }]);
    await readyInOrder(c, a, b);
    expect([await route(g), await route(g), await route(g), await route(g)]).toEqual([c, a, b, c]);
  });

  test('least busy: the agent with the fewest contacts, whatever their idle time', async () => {
    const [a, b] = [await createAgent(w.db), await createAgent(w.db)];
    const g = await groupWith('least_busy', [{ agentId: a }, { agentId: b }]);
    await readyInOrder(a, b);
    // Load a with two chats from its personal queue, b with one.
    for (const [id, n] of [[a, 2], [b, 1]] as const) {
      for (let i = 0; i < n; i++) {
        const r = await engine().enqueue({ channel: 'chat', target: { kind: 'agent', id } });
        await settle(w.acd);
        const o = w.acd.events.find((e) => e.type === 'contact.offered' && e.contactId === r.contactId) as { offerId: string };
        await engine().accept(o.offerId);
      }
    }
    expect(await route(g)).toBe(b); // a is idle longer, but busier
    expect(await route(g)).toBe(a); // now 2 and 2: longest idle breaks the tie
  });

  test('round robin: offers rotate through the group', async () => {
    const agents = [await createAgent(w.db), await createAgent(w.db), await createAgent(w.db)];
    const g = await groupWith('round_robin', agents.map((agentId) => ({ agentId })));
    await readyInOrder(...agents);
    const got: (string | null)[] = [];
    for (let i = 0; i < 6; i++) got.push(await route(g));
    expect(new Set(got.slice(0, 3)).size).toBe(3);
    expect(got.slice(3)).toEqual(got.slice(0, 3));
  });

  test('skill level: highest level first, the next level when the best is full', async () => {
    const [lo, hi, mid] = [await createAgent(w.db), await createAgent(w.db, { chatCapacity: 1 }), await createAgent(w.db)];
    const g = await groupWith('skill_level', [
      { agentId: lo, level: 3 },
      { agentId: hi, level: 9 },
      { agentId: mid, level: 5 },
    ]);
    await readyInOrder(lo, hi, mid);
    expect([await route(g), await route(g)]).toEqual([hi, mid]);
  });

  test('random: picks among available agents (seeded, so repeatable)', async () => {
    const agents = [await createAgent(w.db, { chatCapacity: 20 }), await createAgent(w.db, { chatCapacity: 20 }), await createAgent(w.db, { chatCapacity: 20 })];
    const g = await groupWith('random', agents.map((agentId) => ({ agentId })));
    await readyInOrder(...agents);
    const got: (string | null)[] = [];
    for (let i = 0; i < 12; i++) got.push(await route(g));
    expect(got.every((a) => a !== null && agents.includes(a))).toBe(true);
    expect(new Set(got).size).toBeGreaterThan(1);
  });

  test('returning customer first: the agent who served them last, within the window, if available', async () => {
    const [a, b] = [await createAgent(w.db, { chatCapacity: 1 }), await createAgent(w.db, { chatCapacity: 1 })];
    const g = await groupWith('longest_idle', [{ agentId: a }, { agentId: b }], { returningCustomerFirst: true, returningWindowSeconds: 3600 });
    await readyInOrder(a, b);
    const first = await engine().enqueue({ channel: 'chat', target: group(g), customerId: 'cust-returning' });
    await settle(w.acd);
    const o = w.acd.events.find((e) => e.type === 'contact.offered' && e.contactId === first.contactId) as { offerId: string; agentId: string };
    expect(o.agentId).toBe(a);
    await engine().accept(o.offerId);
    w.clock.advance(60_000);
    await engine().complete(first.contactId); // a is now idle since just now; b idle longer
    // Longest idle alone would pick b; the returning customer goes back to a.
    const again = await engine().enqueue({ channel: 'chat', target: group(g), customerId: 'cust-returning' });
    await settle(w.acd);
    const o2 = w.acd.events.find((e) => e.type === 'contact.offered' && e.contactId === again.contactId) as { offerId: string; agentId: string };
    expect(o2.agentId).toBe(a);
    await engine().accept(o2.offerId);
    w.clock.advance(1000);
    await engine().complete(again.contactId);
    // Outside the window the preference is gone: longest idle (b) wins.
    w.clock.advance(3601_000);
    expect(await route(g, { customerId: 'cust-returning', accept: false })).toBe(b);
  });

  test('the returning agent busy: the customer goes to someone else rather than waiting', async () => {
    const [a, b] = [await createAgent(w.db, { chatCapacity: 1 }), await createAgent(w.db, { chatCapacity: 1 })];
    const g = await groupWith('longest_idle', [{ agentId: a }, { agentId: b }], { returningCustomerFirst: true, returningWindowSeconds: 3600 });
    await readyInOrder(a, b);
    expect(await route(g, { customerId: 'cust-busy' })).toBe(a);
    expect(await route(g, { customerId: 'cust-busy' })).toBe(b); // a is at capacity
  });
});
