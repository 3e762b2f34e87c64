import crypto from 'node:crypto';
import { createRule, createRuleBody } from '../../server/routing/adapters/pg-admin';
import { createAcdWorld, createAgent, createGroup, group, settle, waitForEvent, type AcdWorld } from './support/acd';

/** Routing rules (first match wins) and every overflow path, through the engine with real Redis and Postgres. */
describe('ACD rules and overflow (real Redis + Postgres, fake clock)', () => {
  let w: AcdWorld;
  const engine = () => w.acd.engine;
  /** A navigation value unique to the test, so rules of different tests never match each other's contacts. */
  const nav = () => `nav-${crypto.randomBytes(4).toString('hex')}`;
  async function rule(body: Record<string, unknown>) {
    const r = await createRule(w.db, createRuleBody.parse({ name: `rule-${crypto.randomBytes(4).toString('hex')}`, priority: 100, ...body }));
    await engine().configChanged();
    return r;
  }
  const status = async (id: string) => (await w.acd.engine.historyWritten(), await w.db.query('SELECT status, overflow_to, overflow_reason, target_id FROM routing_contacts WHERE id = $1', [id])).rows[0];

  beforeAll(async () => {
    w = await createAcdWorld();
    await w.settings({ maxOffersAtOnce: 10 });
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  test('first enabled matching rule by priority wins; conditions on channel, entry, navigation, attributes', async () => {
    const [g1, g2, g3, g4] = [await createGroup(w.db, []), await createGroup(w.db, []), await createGroup(w.db, []), await createGroup(w.db, [])];
    const n = nav();
    const vip = await rule({ priority: 1, conditions: { navigation: [n], attributes: [{ key: 'vip', op: 'eq', value: true }] }, action: group(g1) });
    await rule({ priority: 2, conditions: { navigation: [n], channels: ['voice'], serviceNumbers: ['4008001'] }, action: group(g2) });
    await rule({ priority: 3, conditions: { navigation: [n], channels: ['chat'], sites: ['shop'], attributes: [{ key: 'language', op: 'in', values: ['en', 'fr'] }] }, action: group(g3) });
    await rule({ priority: 0, enabled: false, conditions: { navigation: [n] }, action: group(g4) });
    await rule({ priority: 4, conditions: { navigation: [n] }, action: group(g4) });

    const go = (c: Parameters<ReturnType<typeof engine>['enqueue']>[0]) => engine().enqueue({ ...c, navigation: n });
    expect(await go({ channel: 'voice', attributes: { vip: true } })).toMatchObject({ target: group(g1), ruleId: vip.id });
    expect(await go({ channel: 'voice', entry: { serviceNumber: '4008001' } })).toMatchObject({ target: group(g2) });
    expect(await go({ channel: 'chat', entry: { site: 'shop' }, attributes: { language: 'fr' } })).toMatchObject({ target: group(g3) });
    expect(await go({ channel: 'chat', entry: { site: 'shop' }, attributes: { language: 'de' } })).toMatchObject({ target: group(g4) });
    await expect(engine().enqueue({ channel: 'chat', navigation: nav() })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  test('a rule can send to a named agent; the schedule gates rules (open / closed)', async () => {
    const a = await createAgent(w.db);
    const n = nav();
    // The fake clock reads Monday 2025-01-06 10:00 UTC = 18:00 in Shanghai: just after closing.
    const hours = { timezone: 'Asia/Shanghai', windows: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }] };
    await rule({ priority: 1, conditions: { navigation: [n], schedule: hours }, action: { kind: 'agent', id: a } });
    const g = await createGroup(w.db, []);
    await rule({ priority: 2, conditions: { navigation: [n], schedule: { ...hours, match: 'closed' } }, action: group(g), overflow: [{ when: { kind: 'none_logged_in' }, to: { kind: 'voicemail' } }] });
    expect(await engine().enqueue({ channel: 'chat', navigation: n })).toMatchObject({ status: 'overflowed', to: { kind: 'voicemail' } });
    w.clock.advance(-2 * 3600_000); // 16:00 in Shanghai: open
    await engine().setPresence(a, { state: 'ready' });
    const r = await engine().enqueue({ channel: 'chat', navigation: n });
    expect(r).toMatchObject({ status: 'offered', target: { kind: 'agent', id: a } });
    w.clock.advance(2 * 3600_000);
  });

  test('overflow when the queue is longer than N: to another group', async () => {
    const [g1, g2] = [await createGroup(w.db, []), await createGroup(w.db, [])];
    const n = nav();
    await rule({ conditions: { navigation: [n] }, action: group(g1), overflow: [{ when: { kind: 'queue_length_over', n: 1 }, to: group(g2) }] });
    const r1 = await engine().enqueue({ channel: 'chat', navigation: n });
    const r2 = await engine().enqueue({ channel: 'chat', navigation: n });
    const r3 = await engine().enqueue({ channel: 'chat', navigation: n });
    expect([r1, r2].map((r) => r.status === 'queued' && r.target)).toEqual([group(g1), group(g1)]);
    expect(r3).toMatchObject({ status: 'queued', target: group(g2), overflowedFrom: group(g1), position: 1 });
    expect((await status(r3.contactId)).target_id).toBe(g2);
    await waitForEvent(w.acd, 'contact.overflowed', (e) => e.contactId === r3.contactId && e.reason === 'queue_length_over');
  });

  test('overflow when nobody is logged in: to voicemail / leave a message, recorded', async () => {
    const a = await createAgent(w.db);
    const g = await createGroup(w.db, [{ agentId: a }]);
    const n = nav();
    await rule({ conditions: { navigation: [n] }, action: group(g), overflow: [{ when: { kind: 'none_logged_in' }, to: { kind: 'voicemail' } }] });
    const r = await engine().enqueue({ channel: 'voice', navigation: n, owner: 'call-process-1' });
    expect(r).toMatchObject({ status: 'overflowed', to: { kind: 'voicemail' }, reason: 'none_logged_in' });
    expect(await status(r.contactId)).toMatchObject({ status: 'overflowed', overflow_to: { kind: 'voicemail' }, overflow_reason: 'none_logged_in' });
    const e = await waitForEvent(w.acd, 'contact.overflowed', (x) => x.contactId === r.contactId);
    expect(e.owner).toBe('call-process-1');
    // Logged in (even not ready) means the contact queues.
    await engine().setPresence(a, { state: 'not_ready', reason: 'break' });
    expect((await engine().enqueue({ channel: 'voice', navigation: n })).status).toBe('queued');
  });

  test('overflow when nobody is ready: to a named agent', async () => {
    const [busy, backup] = [await createAgent(w.db), await createAgent(w.db)];
    const g = await createGroup(w.db, [{ agentId: busy }]);
    const n = nav();
    await rule({ conditions: { navigation: [n] }, action: group(g), overflow: [{ when: { kind: 'none_ready' }, to: { kind: 'agent', id: backup } }] });
    await engine().setPresence(busy, { state: 'not_ready', reason: 'busy' });
    await engine().setPresence(backup, { state: 'ready' });
    const r = await engine().enqueue({ channel: 'chat', navigation: n });
    expect(r).toMatchObject({ status: 'offered', target: { kind: 'agent', id: backup } });
  });

  test('overflow after waiting longer than T: to another group, or out to a flow node', async () => {
    const helper = await createAgent(w.db);
    const [g1, g2, g3] = [await createGroup(w.db, []), await createGroup(w.db, [{ agentId: helper }]), await createGroup(w.db, [])];
    const [n1, n2] = [nav(), nav()];
    await rule({ conditions: { navigation: [n1] }, action: group(g1), overflow: [{ when: { kind: 'wait_over', seconds: 30 }, to: group(g2) }] });
    await rule({ conditions: { navigation: [n2] }, action: group(g3), overflow: [{ when: { kind: 'wait_over', seconds: 60 }, to: { kind: 'flow_node', flowId: 'main', nodeId: 'leave-message' } }] });
    await engine().setPresence(helper, { state: 'ready' });
    const moved = await engine().enqueue({ channel: 'chat', navigation: n1 });
    const out = await engine().enqueue({ channel: 'chat', navigation: n2 });
    expect([moved.status, out.status]).toEqual(['queued', 'queued']);
    w.clock.advance(30_001);
    await engine().sweep();
    await waitForEvent(w.acd, 'contact.offered', (e) => e.contactId === moved.contactId && e.agentId === helper);
    expect((await status(moved.contactId)).target_id).toBe(g2);
    expect((await engine().position(out.contactId)).state).toBe('queued');
    w.clock.advance(30_000);
    await engine().sweep();
    await waitForEvent(w.acd, 'contact.overflowed', (e) => e.contactId === out.contactId && e.to.kind === 'flow_node');
    expect(await status(out.contactId)).toMatchObject({ status: 'overflowed', overflow_reason: 'wait_over' });
    await expect(engine().position(out.contactId)).rejects.toMatchObject({ code: 'not_found' });
    await settle(w.acd);
  });
});
