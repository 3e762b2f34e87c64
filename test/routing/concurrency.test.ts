import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { silentLogger } from '../../server/logging/logger';
import { RealtimeHub } from '../../server/realtime/hub';
import type { RoutingEvent } from '../../server/routing/events';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { TEST_REDIS } from '../helpers/redis-cleanup';
import { realtimeModule } from '../../server/realtime/module';
import { createAgent, createGroup } from './support/acd';

const WORKER = path.join(__dirname, 'support', 'acd-worker.ts');

interface Worker {
  child: ChildProcess;
  output: () => string;
  line: (pred: (msg: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<void>;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Starts one ACD server process (a real OS process) against the test's Postgres database and Redis prefix. */
function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const msgs: Record<string, unknown>[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of d.toString().split('\n')) if (l.startsWith('{')) msgs.push(JSON.parse(l) as Record<string, unknown>);
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    async line(pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!msgs.some(pred)) {
        if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`worker did not report in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/**
 * Checks, in the one order Redis executed the claims and releases (the `seq` of
 * every event), that no agent ever held more contacts than its capacity and no
 * contact was ever held by two agents.
 */
function assertNoDoubleAssignment(events: RoutingEvent[], capacity: number): { offers: number; accepted: number } {
  const offers = new Map<string, { agentId: string; contactId: string }>();
  const activeOffer = new Map<string, string>(); // contact → accepted offer
  const steps: { seq: number; agentId: string; contactId: string; delta: 1 | -1 }[] = [];
  let accepted = 0;
  for (const e of events) {
    if (e.type === 'contact.offered') {
      offers.set(e.offerId, { agentId: e.agentId, contactId: e.contactId });
      steps.push({ seq: e.seq, agentId: e.agentId, contactId: e.contactId, delta: 1 });
    }
  }
  for (const e of events) {
    if (e.type === 'offer.accepted') {
      accepted++;
      expect(activeOffer.has(e.contactId)).toBe(false); // accepted once only
      activeOffer.set(e.contactId, e.offerId);
    }
    if (e.type === 'offer.rejected' || e.type === 'offer.timed_out' || e.type === 'offer.cancelled') {
      const o = offers.get(e.offerId)!;
      steps.push({ seq: e.seq, agentId: o.agentId, contactId: o.contactId, delta: -1 });
    }
    if (e.type === 'contact.completed') steps.push({ seq: e.seq, agentId: e.agentId, contactId: e.contactId, delta: -1 });
  }
  steps.sort((a, b) => a.seq - b.seq);
  expect(new Set(steps.map((s) => s.seq)).size).toBe(steps.length); // one total order
  const perAgent = new Map<string, number>();
  const perContact = new Map<string, number>();
  let worstAgent = 0;
  let worstContact = 0;
  for (const s of steps) {
    const a = (perAgent.get(s.agentId) ?? 0) + s.delta;
    const c = (perContact.get(s.contactId) ?? 0) + s.delta;
    perAgent.set(s.agentId, a);
    perContact.set(s.contactId, c);
    worstAgent = Math.max(worstAgent, a);
    worstContact = Math.max(worstContact, c);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(c).toBeGreaterThanOrEqual(0);
  }
  expect(worstAgent).toBeLessThanOrEqual(capacity);
  expect(worstContact).toBe(1);
  return { offers: offers.size, accepted };
}

describe('ACD under concurrency: separate server processes sharing one Redis', () => {
  let world: TestWorld;
  let observer: { hub: RealtimeHub; redis: Redis; events: RoutingEvent[] };
  const workers: Worker[] = [];

  beforeAll(async () => {
    world = await createTestWorld({ modules: [realtimeModule()] });
    const redis = new Redis(TEST_REDIS);
    const hub = new RealtimeHub(redis, new Redis(TEST_REDIS), world.config.redisPrefix, silentLogger);
    await hub.start();
    const events: RoutingEvent[] = [];
    hub.subscribe('routing', (e) => events.push(e as RoutingEvent));
    observer = { hub, redis, events };
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await observer?.hub.close();
    await observer?.redis.quit();
    await world?.cleanup();
  });

  async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${workers.map((w) => w.output()).join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  test('two processes hammer one queue: every contact served exactly once, no slot given twice', async () => {
    const db = world.hotline.db;
    await db.query('UPDATE routing_settings SET max_offers_at_once = 2, missed_offers_before_not_ready = 0, offer_timeout_chat_seconds = 30');
    const agents: string[] = [];
    for (let i = 0; i < 12; i++) agents.push(await createAgent(db, { chatCapacity: 2 }));
    const g = await createGroup(db, agents.map((agentId) => ({ agentId })));
    const perWorker = 250;
    const env = { DATABASE_URL: world.config.databaseUrl!, REDIS_PREFIX: world.config.redisPrefix, AGENTS: agents.join(','), GROUP: g, CONTACTS: String(perWorker), MODE: 'serve' };
    const [w1, w2] = [startWorker(env), startWorker(env)];
    workers.push(w1, w2);
    await Promise.all([w1.line((m) => m.enqueued === perWorker), w2.line((m) => m.enqueued === perWorker)]);
    const completed = () => observer.events.filter((e) => e.type === 'contact.completed').length;
    await waitUntil(() => completed() >= 2 * perWorker, 'all contacts completed');
    await Promise.all([w1.stop(), w2.stop()]);

    const { accepted, offers } = assertNoDoubleAssignment(observer.events, 2);
    expect(accepted).toBe(2 * perWorker);
    expect(offers).toBeGreaterThan(2 * perWorker); // rejections were re-offered
    const deciders = new Set(observer.events.filter((e) => e.type === 'contact.offered').map((e) => (e as { decidedBy: string }).decidedBy));
    expect(deciders.size).toBe(2); // both processes made decisions
    const rows = (await db.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM routing_contacts WHERE target_id = $1 GROUP BY status", [g])).rows;
    expect(rows).toEqual([{ status: 'ended', n: 2 * perWorker }]);
    // Every slot was given back.
    const loads = await Promise.all(agents.map((a) => observer.redis.hmget(`${world.config.redisPrefix}acd:a:${a}`, 'vl', 'cl', 'pd')));
    expect(loads.every((l) => l.every((v) => v === '0'))).toBe(true);
  }, 120_000);

  test('a killed process: its reservations expire and its contacts are requeued and served by the survivor', async () => {
    const db = world.hotline.db;
    await db.query('UPDATE routing_settings SET max_offers_at_once = 5, missed_offers_before_not_ready = 0, offer_timeout_chat_seconds = 0.5');
    const agents: string[] = [];
    for (let i = 0; i < 4; i++) agents.push(await createAgent(db, { chatCapacity: 5 }));
    const g = await createGroup(db, agents.map((agentId) => ({ agentId })));
    const contacts = 12;
    const base = { DATABASE_URL: world.config.databaseUrl!, REDIS_PREFIX: world.config.redisPrefix, AGENTS: agents.join(','), GROUP: g };
    const doomed = startWorker({ ...base, CONTACTS: String(contacts), MODE: 'hold' });
    workers.push(doomed);
    await doomed.line((m) => m.enqueued === contacts);
    const heldOffers = () => observer.events.filter((e) => e.type === 'contact.offered' && agents.includes(e.agentId));
    await waitUntil(() => heldOffers().length >= contacts, 'the doomed process to reserve every contact');
    const doomedId = (heldOffers()[0] as { decidedBy: string }).decidedBy;
    await doomed.stop('SIGKILL'); // no goodbye: its reservations stay in Redis

    const survivor = startWorker({ ...base, CONTACTS: '0', MODE: 'serve' });
    workers.push(survivor);
    const done = () => observer.events.filter((e) => e.type === 'contact.completed' && agents.includes(e.agentId)).length;
    await waitUntil(() => done() >= contacts, 'the survivor to serve every contact');
    await survivor.stop();

    const timedOut = observer.events.filter((e) => e.type === 'offer.timed_out' && agents.includes(e.agentId));
    const doomedOffers = new Set(heldOffers().filter((e) => (e as { decidedBy: string }).decidedBy === doomedId).map((e) => (e as { offerId: string }).offerId));
    expect(doomedOffers.size).toBe(contacts);
    expect(timedOut.filter((e) => doomedOffers.has((e as { offerId: string }).offerId))).toHaveLength(contacts);
    const accepted = observer.events.filter((e) => e.type === 'offer.accepted' && agents.includes(e.agentId));
    expect(accepted).toHaveLength(contacts);
    expect(accepted.every((e) => !doomedOffers.has((e as { offerId: string }).offerId))).toBe(true);
    assertNoDoubleAssignment(
      observer.events.filter((e) => 'agentId' in e && agents.includes(e.agentId)),
      5,
    );
  }, 120_000);
});
