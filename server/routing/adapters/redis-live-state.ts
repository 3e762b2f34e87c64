import type Redis from 'ioredis';
import type { Presence, PresenceState } from '../policy/presence';
import type { OverflowDestination } from '../policy/rules';
import type { Channel } from '../policy/types';
import type { ClaimResult, LiveAgent, LiveState, Peek, QueueInfo, ReleasedOffer } from '../ports';
import { SCRIPTS, type ScriptName } from './lua';

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

const num = (v: string | undefined | null): number => (v ? Number(v) : 0);
const orNull = (v: string | undefined | null): string | null => (v ? v : null);

/**
 * LiveState on Redis. Every mutation is one Lua script (see lua.ts), so each is
 * atomic across all server processes sharing this Redis. Reads that need no
 * atomicity (listings) use plain commands.
 */
export class RedisLiveState implements LiveState {
  /** Key prefix of every ACD key: config.redisPrefix + "acd:". */
  readonly k: string;
  readonly #run: Record<ScriptName, ScriptFn>;

  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
  ) {
    this.k = `${redisPrefix}acd:`;
    const run = {} as Record<ScriptName, ScriptFn>;
    for (const [name, lua] of Object.entries(SCRIPTS) as [ScriptName, string][]) {
      const command = `hotlineAcd_${name}`;
      // defineCommand sends EVALSHA and falls back to EVAL once, so scripts survive a Redis restart.
      if (!(command in redis)) redis.defineCommand(command, { numberOfKeys: 0, lua });
      const fn = (redis as unknown as Record<string, ScriptFn>)[command]!.bind(redis);
      run[name] = (...args) => fn(this.k, ...args);
    }
    this.#run = run;
  }

  private async call(name: ScriptName, ...args: (string | number)[]): Promise<string[]> {
    return (await this.#run[name](...args)) as string[];
  }

  async setAgent(agentId: string, now: number, cap: { voice: number; chat: number; callBlocksChat: boolean }, voiceRegistered: boolean, targets: Map<string, number>): Promise<void> {
    const flat = [...targets].flatMap(([t, level]) => [t, level]);
    await this.call('setAgent', agentId, now, cap.voice, cap.chat, cap.callBlocksChat ? 1 : 0, voiceRegistered ? 1 : 0, targets.size, ...flat);
  }

  async getAgent(agentId: string): Promise<LiveAgent | undefined> {
    const [[, h], [, t]] = (await this.redis.multi().hgetall(`${this.k}a:${agentId}`).hgetall(`${this.k}a:${agentId}:t`).exec()) as [[null, Record<string, string>], [null, Record<string, string>]];
    if (!h.st) return undefined;
    return toLiveAgent(agentId, h, t);
  }

  /** Many agents in one round trip (supervisor listings). */
  async getAgents(agentIds: string[]): Promise<LiveAgent[]> {
    if (agentIds.length === 0) return [];
    const m = this.redis.multi();
    for (const id of agentIds) m.hgetall(`${this.k}a:${id}`).hgetall(`${this.k}a:${id}:t`);
    const res = (await m.exec()) as [null, Record<string, string>][];
    const out: LiveAgent[] = [];
    agentIds.forEach((id, i) => {
      const h = res[2 * i]![1];
      if (h.st) out.push(toLiveAgent(id, h, res[2 * i + 1]![1]));
    });
    return out;
  }

  listAgentIds(): Promise<string[]> {
    return this.redis.smembers(`${this.k}agents`);
  }

  listTargets(): Promise<string[]> {
    return this.redis.smembers(`${this.k}targets`);
  }

  async setPresence(agentId: string, expectedVer: number, p: Presence, now: number): Promise<{ ok: true; ver: number; freed: boolean } | { ok: false; reason: 'conflict' | 'missing' }> {
    const r = await this.call('setPresence', agentId, expectedVer, p.state, p.reason ?? '', p.since, p.wrapUntil ?? '', now);
    if (r[0] === 'ok') return { ok: true, ver: Number(r[1]), freed: r[2] === '1' };
    return { ok: false, reason: r[0] === 'missing' ? 'missing' : 'conflict' };
  }

  async setMaxOffers(n: number): Promise<void> {
    await this.redis.hset(`${this.k}cfg`, 'burst', n);
  }

  async enqueue(c: { id: string; target: string; channel: Channel; score: number; enqueuedAt: number; priority: number; customerId: string | null; owner: string | null; waitOverflow?: { deadline: number; to: OverflowDestination } }) {
    const r = await this.call('enqueue', c.id, c.target, c.channel, c.score, c.enqueuedAt, c.priority, c.customerId ?? '', c.owner ?? '', c.waitOverflow?.deadline ?? 0, c.waitOverflow ? JSON.stringify(c.waitOverflow.to) : '');
    return r[0] === 'ok' ? { ok: true as const, rank: Number(r[1]), candidates: Number(r[2]) } : { ok: false as const };
  }

  async peek(target: string, channel: Channel): Promise<Peek | undefined> {
    const r = await this.call('peek', target, channel);
    if (r.length === 0) return undefined;
    const [contactId, customer, last, nTried] = r as [string, string, string, string];
    const tried = new Set(r.slice(4, 4 + Number(nTried)));
    const candidates = [];
    for (let i = 4 + Number(nTried); i + 1 < r.length; i += 2) {
      const [level, idle, load, rr] = r[i + 1]!.split('|');
      candidates.push({ agentId: r[i]!, level: num(level), idleSince: num(idle), load: num(load), lastOfferSeq: num(rr) });
    }
    let lastServed: Peek['lastServed'];
    if (last) {
      const [agentId, at] = last.split('|');
      lastServed = { agentId: agentId!, at: num(at) };
    }
    return { contactId, customerId: orNull(customer), lastServed, tried, candidates };
  }

  async claim(contactId: string, agentId: string, offerId: string, deadline: number): Promise<ClaimResult> {
    const r = await this.call('claim', contactId, agentId, offerId, deadline);
    if (r[0] !== 'ok') return { ok: false, reason: r[0] as 'contact_gone' | 'agent_unavailable' };
    return { ok: true, seq: num(r[1]), target: r[2]!, channel: r[3] as Channel, enqueuedAt: num(r[4]), priority: num(r[5]), customerId: orNull(r[6]), owner: orNull(r[7]), more: r[8] === '1' };
  }

  async accept(offerId: string, now: number, returningTtlSeconds: number, byAgent?: string) {
    const r = await this.call('accept', offerId, now, Math.max(1, Math.ceil(returningTtlSeconds)), byAgent ?? '');
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'expired' | 'not_yours' };
    return { ok: true as const, contactId: r[1]!, agentId: r[2]!, channel: r[3] as Channel, target: r[4]!, seq: num(r[5]), enqueuedAt: num(r[6]), freed: r[7] === '1' };
  }

  async release(offerId: string, now: number, mode: 'reject' | 'timeout', autopause: number, byAgent?: string) {
    const r = await this.call('release', offerId, now, mode, autopause, byAgent ?? '');
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'not_yours' };
    return { ok: true as const, released: toReleased(r, 1) };
  }

  async expireOffers(now: number, limit: number, autopause: number): Promise<ReleasedOffer[]> {
    const r = await this.call('expireOffers', now, limit, autopause);
    const out: ReleasedOffer[] = [];
    for (let i = 0; i + 7 < r.length; i += 8) out.push(toReleased(r, i));
    return out;
  }

  async complete(contactId: string, now: number, wrapUpSeconds: number) {
    const r = await this.call('complete', contactId, now, wrapUpSeconds);
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'not_active' };
    return { ok: true as const, agentId: r[1]!, channel: r[2] as Channel, target: r[3]!, enqueuedAt: num(r[4]), acceptedAt: num(r[5]), seq: num(r[6]), wrapUntil: r[7] ? num(r[7]) : null, freed: r[8] === '1' };
  }

  async abandon(contactId: string, now: number) {
    const r = await this.call('abandon', contactId, now);
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'active' };
    return { ok: true as const, stateBefore: r[1] as 'queued' | 'offered', agentId: orNull(r[2]), channel: r[3] as Channel, target: r[4]!, enqueuedAt: num(r[5]), seq: num(r[6]), offerId: orNull(r[7]) };
  }

  async endWrapUps(now: number, limit: number) {
    const r = await this.call('endWrapUps', now, limit);
    const out: { agentId: string; ver: number }[] = [];
    for (let i = 0; i + 1 < r.length; i += 2) out.push({ agentId: r[i]!, ver: num(r[i + 1]) });
    return out;
  }

  async dueWaitOverflows(now: number, limit: number) {
    const r = await this.call('dueWaitOverflows', now, limit);
    const out: { contactId: string; target: string; channel: Channel; to: OverflowDestination | null }[] = [];
    for (let i = 0; i + 3 < r.length; i += 4) out.push({ contactId: r[i]!, target: r[i + 1]!, channel: r[i + 2] as Channel, to: r[i + 3] ? (JSON.parse(r[i + 3]!) as OverflowDestination) : null });
    return out;
  }

  async move(contactId: string, fromTarget: string, toTarget: string | null) {
    const r = await this.call('move', contactId, fromTarget, toTarget ?? '');
    return r[0] === 'ok' ? { ok: true as const, enqueuedAt: num(r[1]), seq: num(r[2]) } : { ok: false as const };
  }

  async agentQueues(agentId: string) {
    const r = await this.call('agentQueues', agentId);
    const out: { target: string; channel: Channel; headScore: number }[] = [];
    for (let i = 0; i + 2 < r.length; i += 3) out.push({ target: r[i]!, channel: r[i + 1] as Channel, headScore: num(r[i + 2]) });
    return out;
  }

  async queueInfo(target: string, channel: Channel, contactId?: string): Promise<QueueInfo> {
    const r = await this.call('queueInfo', target, channel, contactId ?? '');
    return {
      waiting: num(r[0]),
      oldestEnqueuedAt: r[1] ? num(r[1]) : null,
      loggedIn: num(r[2]),
      ready: num(r[3]),
      slots: num(r[4]),
      handled: num(r[5]),
      handleMs: num(r[6]),
      contactState: (orNull(r[7]) as QueueInfo['contactState']) ?? null,
      rank: r[8] ? num(r[8]) : null,
    };
  }

  async contactLocation(contactId: string) {
    const h = await this.redis.hgetall(`${this.k}c:${contactId}`);
    if (!h.st) return undefined;
    return { state: h.st as 'queued' | 'offered' | 'active', target: h.t!, channel: h.ch as Channel, enqueuedAt: num(h.enq), agentId: orNull(h.ag), offerId: orNull(h.of) };
  }

  async restoreActive(c: { id: string; agentId: string; channel: Channel; target: string; enqueuedAt: number; acceptedAt: number; customerId: string | null; owner: string | null }): Promise<void> {
    await this.call('restoreActive', c.id, c.agentId, c.channel, c.target, c.enqueuedAt, c.acceptedAt, c.customerId ?? '', c.owner ?? '');
  }

  async setLastServed(customerId: string, agentId: string, at: number, ttlSeconds: number): Promise<void> {
    await this.redis.set(`${this.k}last:${customerId}`, `${agentId}|${at}`, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async isBuilt(): Promise<boolean> {
    return (await this.redis.exists(`${this.k}built`)) === 1;
  }

  async markBuilt(): Promise<void> {
    await this.redis.set(`${this.k}built`, new Date().toISOString());
  }

  async lockRebuild(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.k}rebuild-lock`, owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlockRebuild(owner: string): Promise<void> {
    // Only the holder releases; a lock that expired and was taken by another process stays theirs.
    await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, `${this.k}rebuild-lock`, owner);
  }

  async wipe(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.k}*`, 'COUNT', 1000);
      cursor = next;
      const doomed = keys.filter((key) => key !== `${this.k}rebuild-lock`);
      if (doomed.length) await this.redis.unlink(...doomed);
    } while (cursor !== '0');
  }
}

function toLiveAgent(agentId: string, h: Record<string, string>, t: Record<string, string>): LiveAgent {
  return {
    agentId,
    presence: { state: h.st as PresenceState, reason: orNull(h.rs), since: num(h.since), wrapUntil: h.wu ? num(h.wu) : null },
    ver: num(h.ver),
    capacity: { voice: num(h.vc), chat: num(h.cc), callBlocksChat: h.cbc === '1' },
    voiceRegistered: h.vr === '1',
    load: { voice: num(h.vl), chat: num(h.cl), pendingOffers: num(h.pd) },
    idleSince: num(h.idle),
    misses: num(h.ms),
    targets: new Map(Object.entries(t).map(([k, v]) => [k, Number(v)])),
  };
}

function toReleased(r: string[], i: number): ReleasedOffer {
  return { offerId: r[i]!, contactId: r[i + 1]!, agentId: r[i + 2]!, channel: r[i + 3] as Channel, target: r[i + 4]!, seq: num(r[i + 5]), pausedAs: r[i + 6] === 'missed' ? 'missed' : null, freed: r[i + 7] === '1' };
}
