import crypto from 'node:crypto';
import Redis from 'ioredis';
import { RedisLiveState } from '../../server/routing/adapters/redis-live-state';
import { DEFAULT_SETTINGS } from '../../server/routing/ports';
import { targetKey } from '../../server/routing/policy/types';
import { rankAgents, STRATEGY_KINDS, type AgentCandidate, type GroupStrategy } from '../../server/routing/policy/strategies';
import { deleteRedisPrefix, TEST_REDIS } from '../helpers/redis-cleanup';
import { seededRandom } from './support/acd';

/**
 * The assignment decision runs inside Redis (adapters/lua/dispatch.ts);
 * policy/strategies.ts is its specification. On random cases (strategy, skill
 * levels, idle times, loads, round-robin positions, agents already tried, a
 * returning customer) the agent Redis offers the contact to must be the first
 * one rankAgents() orders.
 */
describe('strategy ranking in Redis matches policy/strategies.ts', () => {
  const redis = new Redis(TEST_REDIS);
  const prefix = `hotline-test:parity:${process.pid}:`;
  const live = new RedisLiveState(redis, prefix);
  const k = `${prefix}acd:`;
  const rnd = seededRandom(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);

  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    await redis.quit();
  });

  /** Agents with exactly these facts, serving the group; the index is derived by setAgent as in production. */
  async function agents(groupKey: string, cands: AgentCandidate[]) {
    for (const c of cands) {
      const ak = `${k}a:${c.agentId}`;
      await redis.hset(ak, { st: 'ready', rs: '', since: NOW, wu: '', ver: 1, vl: 0, cl: c.load, pd: 0, idle: c.idleSince, ms: 0, vc: 1, cc: 10, cbc: 0, vr: 1 });
      await redis.hset(`${ak}:t`, groupKey, `${c.level}|${c.lastOfferSeq}`);
      await live.setAgent(c.agentId, NOW, { voice: 1, chat: 10, callBlocksChat: false }, true, new Map([[groupKey, c.level]]));
    }
  }

  async function oneCase(i: number) {
    const groupId = crypto.randomUUID();
    const groupKey = targetKey({ kind: 'group', id: groupId });
    const strategy: GroupStrategy = { kind: pick(STRATEGY_KINDS), returningCustomerFirst: rnd() < 0.5, returningWindowSeconds: pick([60, 3600]) };
    // Few distinct values, so ties (and the id tie-break) happen often.
    const cands: AgentCandidate[] = Array.from({ length: int(1, 7) }, () => ({
      agentId: crypto.randomUUID(),
      level: int(1, 3) * 3,
      idleSince: NOW - int(0, 3) * 1000,
      load: int(0, 2),
      lastOfferSeq: int(0, 3),
    }));
    await live.setConfig({ settings: { ...DEFAULT_SETTINGS, maxOffersAtOnce: 5 }, rules: [], strategies: new Map([[groupId, strategy]]), reasons: [] });
    await agents(groupKey, cands);
    const customerId = `cust-${i}`;
    const last = rnd() < 0.6 ? { agentId: pick(cands).agentId, at: NOW - pick([10, 600]) * 1000 } : undefined;
    if (last) await live.setLastServed(customerId, last.agentId, last.at, 3600);
    const contactId = crypto.randomUUID();
    // Queue it with nobody able to take it (bound 0), then mark who already tried it.
    await live.enqueue({ id: contactId, target: groupKey, channel: 'chat', score: i, enqueuedAt: NOW, priority: 0, customerId, owner: null }, { now: NOW, seed: 1, uuid: crypto.randomUUID(), bound: 0 });
    const tried = new Set(cands.filter(() => rnd() < 0.3).map((c) => c.agentId));
    if (tried.size > 0) {
      await redis.sadd(`${k}c:${contactId}:tried`, ...tried);
      await redis.hset(`${k}c:${contactId}`, 'tr', tried.size);
    }
    const d = await live.dispatch({ queue: { target: groupKey, channel: 'chat' } }, { now: NOW, seed: i, uuid: crypto.randomUUID(), bound: 1 });
    expect(d.offers).toHaveLength(1);
    const chosen = d.offers[0]!.agentId;
    const ranked = rankAgents(strategy, cands, { lastServed: last, tried, now: NOW, random: rnd });
    if (strategy.kind !== 'random') {
      expect({ case: i, strategy, chosen }).toEqual({ case: i, strategy, chosen: ranked[0]!.agentId });
      return;
    }
    // Random: the same pool (untried first; the returning agent when they qualify), any member of it.
    const untried = cands.filter((c) => !tried.has(c.agentId));
    const pool = untried.length > 0 ? untried : cands;
    const back = strategy.returningCustomerFirst && last && NOW - last.at <= strategy.returningWindowSeconds * 1000 && pool.some((c) => c.agentId === last.agentId) ? last.agentId : undefined;
    if (back) expect(chosen).toBe(back);
    else expect(pool.map((c) => c.agentId)).toContain(chosen);
  }

  test('400 random cases', async () => {
    for (let i = 0; i < 400; i++) await oneCase(i);
  });
});
