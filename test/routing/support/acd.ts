import crypto from 'node:crypto';
import Redis from 'ioredis';
import type { Db } from '../../../server/db/pool';
import { silentLogger } from '../../../server/logging/logger';
import { RealtimeHub } from '../../../server/realtime/hub';
import { PgRoutingStore } from '../../../server/routing/adapters/pg-store';
import { RedisLiveState } from '../../../server/routing/adapters/redis-live-state';
import { RoutingEngine } from '../../../server/routing/engine';
import type { RoutingEvent, RoutingEventType } from '../../../server/routing/events';
import { TEST_REDIS } from '../../helpers/redis-cleanup';

/** A controllable clock: tests move time, never wait for it. */
export class FakeClock {
  constructor(public t = Date.UTC(2025, 0, 6, 10, 0, 0)) {}
  now = () => this.t;
  advance(ms: number): number {
    return (this.t += ms);
  }
}

/** One ACD "process": its own Redis connections (commands + subscriber), hub and engine. */
export interface AcdInstance {
  engine: RoutingEngine;
  live: RedisLiveState;
  hub: RealtimeHub;
  events: RoutingEvent[];
  close(): Promise<void>;
}

export async function startAcd(opts: { db: Db; prefix: string; clock?: FakeClock; random?: () => number; sweepIntervalMs?: number }): Promise<AcdInstance> {
  const redis = new Redis(TEST_REDIS, { maxRetriesPerRequest: 3 });
  const sub = new Redis(TEST_REDIS, { maxRetriesPerRequest: 3 });
  const hub = new RealtimeHub(redis, sub, opts.prefix, silentLogger);
  await hub.start();
  const live = new RedisLiveState(redis, opts.prefix);
  const engine = new RoutingEngine({
    live,
    store: new PgRoutingStore(opts.db),
    bus: hub,
    log: silentLogger,
    clock: opts.clock?.now,
    random: opts.random,
    // With a fake clock the test drives sweep() itself; the timer is then effectively idle.
    sweepIntervalMs: opts.sweepIntervalMs ?? 60_000,
    resyncIntervalMs: 3_600_000,
  });
  const events: RoutingEvent[] = [];
  const all: RoutingEventType[] = ['contact.queued', 'contact.offered', 'offer.accepted', 'offer.rejected', 'offer.timed_out', 'offer.cancelled', 'contact.completed', 'contact.abandoned', 'contact.overflowed', 'agent.presence', 'agent.updated'];
  for (const t of all) engine.events.on(t, (e) => events.push(e));
  await engine.start();
  return {
    engine,
    live,
    hub,
    events,
    async close() {
      await engine.stop();
      await hub.close();
      await redis.quit();
    },
  };
}

/** Waits (polling, bounded) until an event matching pred has arrived; returns it. */
export async function waitForEvent<T extends RoutingEventType>(acd: AcdInstance, type: T, pred: (e: Extract<RoutingEvent, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<RoutingEvent, { type: T }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = acd.events.find((e) => e.type === type && pred(e as Extract<RoutingEvent, { type: T }>));
    if (hit) return hit as Extract<RoutingEvent, { type: T }>;
    if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms; got ${acd.events.map((e) => e.type).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Events go through Redis pub/sub: wait until the ones published so far have come back. */
export async function settle(acd: AcdInstance): Promise<void> {
  const marker = `settle-${crypto.randomUUID()}`;
  let seen = false;
  const off = acd.hub.subscribe(marker, () => (seen = true));
  acd.hub.publish(marker, {});
  const deadline = Date.now() + 5000;
  while (!seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  off();
}

let seq = 0;
/** An agent row straight in the database (password hashing is not what these tests are about). */
export async function createAgent(db: Db, opts: { name?: string; chatCapacity?: number } = {}): Promise<string> {
  const n = `${opts.name ?? 'agent'}-${process.pid}-${++seq}-${crypto.randomBytes(3).toString('hex')}`;
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO users (username, password_hash, display_name, employee_no, chat_capacity) VALUES ($1, 'x', $1, $1, $2) RETURNING id",
    [n, opts.chatCapacity ?? 5],
  );
  return rows[0]!.id;
}

export async function createGroup(db: Db, members: { agentId: string; level?: number }[], name = 'group'): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO skill_groups (name) VALUES ($1) RETURNING id', [`${name}-${++seq}-${crypto.randomBytes(3).toString('hex')}`]);
  const id = rows[0]!.id;
  for (const m of members) await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, $3)', [id, m.agentId, m.level ?? 5]);
  return id;
}

export const group = (id: string) => ({ kind: 'group' as const, id });
export const agentTarget = (id: string) => ({ kind: 'agent' as const, id });

/**
 * A test world for engine tests: a real Postgres database and Redis prefix
 * (through createTestWorld, with only the realtime module running) and one ACD
 * engine on a fake clock that the test drives.
 */
export interface AcdWorld {
  db: Db;
  prefix: string;
  clock: FakeClock;
  acd: AcdInstance;
  /** Sets global routing settings and reloads them. */
  settings(s: Partial<{ offerTimeoutVoiceSeconds: number; offerTimeoutChatSeconds: number; wrapUpSeconds: number; maxOffersAtOnce: number; missedOffersBeforeNotReady: number }>): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createAcdWorld(opts: { random?: () => number } = {}): Promise<AcdWorld> {
  const { createTestWorld } = await import('../../helpers/hotline-under-test');
  const { realtimeModule } = await import('../../../server/realtime/module');
  const world = await createTestWorld({ modules: [realtimeModule()] });
  const db = world.hotline.db;
  const clock = new FakeClock();
  const acd = await startAcd({ db, prefix: world.config.redisPrefix, clock, random: opts.random });
  return {
    db,
    prefix: world.config.redisPrefix,
    clock,
    acd,
    async settings(s) {
      const cols: Record<string, string> = {
        offerTimeoutVoiceSeconds: 'offer_timeout_voice_seconds',
        offerTimeoutChatSeconds: 'offer_timeout_chat_seconds',
        wrapUpSeconds: 'wrap_up_seconds',
        maxOffersAtOnce: 'max_offers_at_once',
        missedOffersBeforeNotReady: 'missed_offers_before_not_ready',
      };
      for (const [k, v] of Object.entries(s)) await db.query(`UPDATE routing_settings SET ${cols[k]} = $1`, [v]);
      await acd.engine.configChanged();
    },
    async cleanup() {
      await acd.close();
      await world.cleanup();
    },
  };
}

/** A small deterministic PRNG (mulberry32) for the random strategy. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
