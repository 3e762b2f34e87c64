import type Redis from 'ioredis';
import type { Presence, PresenceState } from '../policy/presence';
import type { OverflowDestination } from '../policy/rules';
import type { Channel } from '../policy/types';
import { targetKey } from '../policy/types';
import type { Dispatched, DispatchInput, DispatchTrigger, LiveAgent, LiveState, QueueInfo, ReleasedOffer, RoutingConfig } from '../ports';
import { OFFER_FIELDS } from './lua/dispatch';
import { acdLibrary, type ScriptName } from './lua/scripts';

const num = (v: string | undefined | null): number => (v ? Number(v) : 0);
const orNull = (v: string | undefined | null): string | null => (v ? v : null);

/**
 * LiveState on Redis. Every mutation is one call of a Redis function (lua/scripts.ts), so each is
 * atomic across all server processes sharing this Redis. Reads that need no
 * atomicity (listings) use plain commands.
 */
export class RedisLiveState implements LiveState {
  /** Key prefix of every ACD key: config.redisPrefix + "acd:". */
  readonly k: string;
  readonly #lib = acdLibrary();
  #loading: Promise<unknown> | undefined;

  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
  ) {
    this.k = `${redisPrefix}acd:`;
  }

  /** Calls a step of the library, loading the library first when this Redis does not have it (first use, or a Redis restarted empty). */
  private async call(name: ScriptName, ...args: (string | number)[]): Promise<string[]> {
    try {
      return (await this.redis.fcall(this.#lib.fn[name], 0, this.k, ...args)) as string[];
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('Function not found')) throw err;
      this.#loading ??= this.redis.function('LOAD', 'REPLACE', this.#lib.code).finally(() => (this.#loading = undefined));
      await this.#loading;
      return (await this.redis.fcall(this.#lib.fn[name], 0, this.k, ...args)) as string[];
    }
  }

  /** A script that ends by offering what it can (lua/dispatch.ts): its own result, and the offers. */
  private async dispatching(name: ScriptName, d: DispatchInput, ...args: (string | number)[]): Promise<[string[], Dispatched]> {
    const [r, dr] = (await this.call(name, d.now, d.seed, d.uuid, d.bound, ...args)) as unknown as [string[], string[]];
    return [r, toDispatched(dr)];
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

  async setConfig(config: RoutingConfig): Promise<void> {
    const st = config.settings;
    const strategies = [...config.strategies].flatMap(([groupId, g]) => [targetKey({ kind: 'group', id: groupId }), `${g.kind}|${g.returningCustomerFirst ? 1 : 0}|${Math.round(g.returningWindowSeconds * 1000)}`]);
    const m = this.redis.multi().hset(`${this.k}cfg`, 'burst', st.maxOffersAtOnce, 'vto', Math.round(st.offerTimeoutVoiceSeconds * 1000), 'cto', Math.round(st.offerTimeoutChatSeconds * 1000)).del(`${this.k}strat`);
    if (strategies.length > 0) m.hset(`${this.k}strat`, ...strategies);
    await m.exec();
  }

  async enqueue(c: { id: string; target: string; channel: Channel; score: number; enqueuedAt: number; priority: number; customerId: string | null; owner: string | null; waitOverflow?: { deadline: number; to: OverflowDestination } }, d: DispatchInput) {
    const [r, dr] = await this.dispatching('enqueue', d, c.id, c.target, c.channel, c.score, c.enqueuedAt, c.priority, c.customerId ?? '', c.owner ?? '', c.waitOverflow?.deadline ?? 0, c.waitOverflow ? JSON.stringify(c.waitOverflow.to) : '');
    return r[0] === 'ok' ? { ok: true as const, info: toQueueInfo(r.slice(1)), dispatched: dr } : { ok: false as const };
  }

  async dispatch(trigger: DispatchTrigger, d: DispatchInput): Promise<Dispatched> {
    const args = 'queue' in trigger ? ['queue', trigger.queue.target, trigger.queue.channel] : ['agent', trigger.agent];
    return (await this.dispatching('dispatch', d, ...args))[1];
  }

  async accept(offerId: string, d: DispatchInput, returningTtlSeconds: number, byAgent?: string) {
    const [r, dr] = await this.dispatching('accept', d, offerId, Math.max(1, Math.ceil(returningTtlSeconds)), byAgent ?? '');
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'not_yours' };
    return { ok: true as const, contactId: r[1]!, agentId: r[2]!, channel: r[3] as Channel, target: r[4]!, seq: num(r[5]), enqueuedAt: num(r[6]), dispatched: dr };
  }

  async release(offerId: string, d: DispatchInput, mode: 'reject' | 'timeout', autopause: number, byAgent?: string) {
    const [r, dr] = await this.dispatching('release', d, offerId, mode, autopause, byAgent ?? '');
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'not_yours' };
    return { ok: true as const, released: toReleased(r, 1), dispatched: dr };
  }

  async expireOffers(now: number, limit: number, autopause: number): Promise<ReleasedOffer[]> {
    const r = await this.call('expireOffers', now, limit, autopause);
    const out: ReleasedOffer[] = [];
    for (let i = 0; i + 7 < r.length; i += 8) out.push(toReleased(r, i));
    return out;
  }

  async complete(contactId: string, d: DispatchInput, wrapUpSeconds: number) {
    const [r, dr] = await this.dispatching('complete', d, contactId, wrapUpSeconds);
    if (r[0] !== 'ok') return { ok: false as const, reason: r[0] as 'gone' | 'not_active' };
    return { ok: true as const, agentId: r[1]!, channel: r[2] as Channel, target: r[3]!, enqueuedAt: num(r[4]), acceptedAt: num(r[5]), seq: num(r[6]), wrapUntil: r[7] ? num(r[7]) : null, dispatched: dr };
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

  async queueInfo(target: string, channel: Channel, contactId?: string): Promise<QueueInfo> {
    return toQueueInfo(await this.call('queueInfo', target, channel, contactId ?? ''));
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
    // Values are "level|round-robin seq".
    targets: new Map(Object.entries(t).map(([k, v]) => [k, Number(v.split('|')[0])])),
  };
}

function toReleased(r: string[], i: number): ReleasedOffer {
  return { offerId: r[i]!, contactId: r[i + 1]!, agentId: r[i + 2]!, channel: r[i + 3] as Channel, target: r[i + 4]!, seq: num(r[i + 5]), pausedAs: r[i + 6] === 'missed' ? 'missed' : null, freed: r[i + 7] === '1' };
}

function toQueueInfo(r: string[]): QueueInfo {
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

function toDispatched(r: string[]): Dispatched {
  const offers: Dispatched['offers'] = [];
  for (let i = 1; i + OFFER_FIELDS - 1 < r.length; i += OFFER_FIELDS) {
    offers.push({ offerId: r[i]!, contactId: r[i + 1]!, agentId: r[i + 2]!, channel: r[i + 3] as Channel, target: r[i + 4]!, customerId: orNull(r[i + 5]), owner: orNull(r[i + 6]), enqueuedAt: num(r[i + 7]), deadline: num(r[i + 8]), seq: num(r[i + 9]) });
  }
  return { offers, more: r[0] === '1' };
}
