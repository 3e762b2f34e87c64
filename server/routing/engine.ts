import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logging/logger';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../platform/errors';
import { checkSelfChatCapacity, effectiveCapacity } from './policy/capacity';
import { transition, type Presence } from './policy/presence';
import { estimateWaitSeconds, MAX_PRIORITY, queueScore } from './policy/queue-order';
import { isAcdTarget, matchRule, overflowOnArrival, waitOverflow, type Overflow, type OverflowDestination } from './policy/rules';
import { DEFAULT_STRATEGY, rankAgents, type GroupStrategy } from './policy/strategies';
import { parseTargetKey, targetKey, type AttributeValue, type Channel, type Clock, type Target } from './policy/types';
import { TOPICS, type EventOf, type MonitorEvents, type OfferEvent, type OfferSink, type RoutingEvent, type RoutingEvents } from './events';
import type { AgentSetup, Bus, LiveAgent, LiveState, QueueInfo, ReleasedOffer, RoutingConfig, RoutingStore } from './ports';
import { rebuildLiveState } from './rebuild';
import { EventBus } from '../platform/typed-emitter';

/** What a caller (IVR queue node, chat gateway) asks of the ACD. */
export interface EnqueueRequest {
  /** The caller's id for the contact (call id, conversation id); generated when absent. */
  id?: string;
  channel: Channel;
  /** 0..100, higher first; default 0. */
  priority?: number;
  customerId?: string;
  entry?: { serviceNumber?: string; site?: string };
  navigation?: string;
  attributes?: Record<string, AttributeValue>;
  /** Skip the rules: queue here (an IVR skill-group node), with this overflow. */
  target?: Target;
  overflow?: Overflow[];
  /** The server process that owns the contact and should receive its offers. */
  owner?: string;
}

export type EnqueueResult =
  | { status: 'queued' | 'offered'; contactId: string; target: Target; ruleId: string | null; position: number | null; estimatedWaitSeconds: number | null; overflowedFrom?: Target }
  | { status: 'overflowed'; contactId: string; to: OverflowDestination; reason: string; ruleId: string | null };

export interface PositionInfo {
  contactId: string;
  state: 'queued' | 'offered' | 'active';
  target: Target;
  channel: Channel;
  /** 1 = next; null unless queued. */
  position: number | null;
  estimatedWaitSeconds: number | null;
  waitedSeconds: number;
}

export interface EngineOptions {
  live: LiveState;
  store: RoutingStore;
  bus: Bus;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** Identifies this server process in offers (OfferEvent.decidedBy / owner). */
  instanceId?: string;
  /** How often this process looks for expired offers, ended wrap-ups and wait overflows. */
  sweepIntervalMs?: number;
  /** How often agent memberships and settings are re-read from Postgres. */
  resyncIntervalMs?: number;
}

/** Per queue: callers waiting for the next pass, and the pump running passes. */
interface DrainSlot {
  waiters: (() => void)[];
  pump: Promise<void> | undefined;
}

const MAX_ROUNDS_PER_PASS = 200;
const SWEEP_BATCH = 500;
const PERSONAL_QUEUE_LEVEL = 10;

/**
 * The ACD: one engine for calls and chats. Decisions are event driven (a contact
 * arrives, an agent frees up) and each one is an atomic claim in Redis, so any
 * number of server processes can run an engine against the same Redis.
 *
 * Contact lifecycle (the guard is the Redis script of each step):
 *
 *   enqueue ─▶ queued ──claim──▶ offered ──accept──▶ active ──complete──▶ (ended)
 *                ▲  │               │ timeout / reject
 *                │  │               └──────────────▶ queued (keeps its place; agent tried last)
 *                │  ├─ abandon (queued or offered) ─▶ (abandoned, wait recorded)
 *                │  └─ wait > T ─▶ another target's queue, or out (voicemail / flow node)
 *                └──── rebuild: open contacts from Postgres
 */
export class RoutingEngine {
  readonly instanceId: string;
  /** Every routing event of every process, after it happened. */
  readonly events: EventBus<RoutingEvents>;
  /** Per-decision timing; for metrics and the benchmark. */
  readonly monitor: EventBus<MonitorEvents>;
  #config: RoutingConfig | undefined;
  readonly #live: LiveState;
  readonly #store: RoutingStore;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #sinks = new Map<Channel, OfferSink>();
  readonly #drains = new Map<string, DrainSlot>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #opts: EngineOptions;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #lastResync = 0;
  #synced = new Map<string, string>();
  #closed = false;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.#live = opts.live;
    this.#store = opts.store;
    this.#bus = opts.bus;
    this.#log = opts.log.child({ component: 'acd' });
    this.#clock = opts.clock ?? Date.now;
    this.#random = opts.random ?? Math.random;
    this.instanceId = opts.instanceId ?? randomUUID();
    this.events = new EventBus(this.#log);
    this.monitor = new EventBus(this.#log);
  }

  get config(): RoutingConfig {
    if (!this.#config) throw new Error('routing engine not started');
    return this.#config;
  }

  /** Loads config, rebuilds live state if Redis lost it, and starts the sweeper. */
  async start(): Promise<void> {
    this.#unsubscribe.push(this.#bus.subscribe(TOPICS.internal, (e) => this.#onBusEvent(e as RoutingEvent)));
    this.#unsubscribe.push(
      this.#bus.subscribe(TOPICS.config, () => {
        this.reloadConfig().catch((err: unknown) => this.#log.error({ err }, 'reloading routing config failed'));
      }),
    );
    await this.reloadConfig();
    await this.ensureBuilt();
    const every = this.#opts.sweepIntervalMs ?? 250;
    this.#timer = setInterval(() => void this.sweep(), every);
  }

  /** Stops timers and waits for work in flight. Idempotent. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const u of this.#unsubscribe.splice(0)) u();
    await this.#sweeping;
    await Promise.allSettled([...this.#drains.values()].flatMap((d) => (d.pump ? [d.pump] : [])));
    this.events.removeAllListeners();
  }

  /** The calls and chat modules register how offers reach agents on their channel. */
  setOfferSink(channel: Channel, sink: OfferSink | undefined): void {
    if (sink) this.#sinks.set(channel, sink);
    else this.#sinks.delete(channel);
  }

  async reloadConfig(): Promise<void> {
    this.#config = await this.#store.loadConfig();
    await this.#live.setMaxOffers(this.#config.settings.maxOffersAtOnce);
  }

  /** After an admin change: every process reloads, and agents are re-indexed under the new settings. */
  async configChanged(): Promise<void> {
    await this.reloadConfig();
    this.#bus.publish(TOPICS.config, { at: this.#clock() });
    await this.resyncAgents(true);
  }

  /** Rebuilds Redis from Postgres when Redis has no live state (first start, or Redis lost its data). One process does it. */
  async ensureBuilt(): Promise<void> {
    if (await this.#live.isBuilt()) return;
    if (!(await this.#live.lockRebuild(this.instanceId, 60_000))) {
      for (let i = 0; i < 600 && !(await this.#live.isBuilt()); i++) await new Promise((r) => setTimeout(r, 100));
      return;
    }
    try {
      if (await this.#live.isBuilt()) return;
      const counts = await rebuildLiveState({ live: this.#live, store: this.#store, config: this.config, now: this.#clock(), capacityOf: (s) => effectiveCapacity(s.settings, { registered: false }), targetsOf: (s) => this.#targetsOf(s) });
      await this.#live.markBuilt();
      this.#log.info(counts, 'ACD live state rebuilt from Postgres');
    } finally {
      await this.#live.unlockRebuild(this.instanceId);
    }
    // Contacts that were waiting (or ringing) meet the agents who are free.
    for (const agentId of await this.#live.listAgentIds()) await this.kick(agentId);
  }

  // ── contacts ───────────────────────────────────────────────────────────

  /** A contact asks for an agent: rules pick the target, overflow may redirect it, then it queues and the ACD tries to offer it at once. */
  async enqueue(req: EnqueueRequest): Promise<EnqueueResult> {
    const now = this.#clock();
    const id = req.id ?? randomUUID();
    const priority = req.priority ?? 0;
    if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) throw new ValidationError(`priority must be 0..${MAX_PRIORITY}`, [{ path: 'priority', message: `must be 0..${MAX_PRIORITY}` }]);
    let target: Target;
    let overflow: Overflow[];
    let ruleId: string | null = null;
    if (req.target) {
      target = req.target;
      overflow = req.overflow ?? [];
    } else {
      const rule = matchRule(this.config.rules, req, now);
      if (!rule) throw new ValidationError('No routing rule matches this contact', [{ path: 'target', message: 'no rule matches; give a target' }]);
      ({ action: target, overflow, id: ruleId } = rule);
    }
    const asked = target;
    // Queue numbers are read only when an arrival condition needs them.
    const info = overflow.some((o) => o.when.kind !== 'wait_over') ? await this.#live.queueInfo(targetKey(target), req.channel) : undefined;
    const arrival = info && overflowOnArrival(overflow, { queueLength: info.waiting, loggedIn: info.loggedIn, ready: info.ready });
    const record = {
      id,
      channel: req.channel,
      target,
      priority,
      enqueuedAt: now,
      customerId: req.customerId ?? null,
      owner: req.owner ?? null,
      entry: req.entry ?? null,
      navigation: req.navigation ?? null,
      attributes: req.attributes ?? {},
      ruleId,
    };
    if (arrival && !isAcdTarget(arrival.to)) {
      await this.#insert(record);
      await this.#store.markOverflowed(id, now, arrival.to, arrival.when.kind, 0);
      this.#publish({ type: 'contact.overflowed', contactId: id, channel: req.channel, from: target, to: arrival.to, reason: arrival.when.kind, owner: record.owner, at: now });
      return { status: 'overflowed', contactId: id, to: arrival.to, reason: arrival.when.kind, ruleId };
    }
    // One hop: overflowing to another target leaves the first target's wait-overflow behind.
    if (arrival && isAcdTarget(arrival.to)) record.target = target = arrival.to;
    const wov = arrival ? undefined : waitOverflow(overflow);
    // Postgres first: the record exists before anyone can be offered the contact.
    await this.#insert(record);
    const r = await this.#live.enqueue({
      id,
      target: targetKey(target),
      channel: req.channel,
      score: queueScore(priority, now),
      enqueuedAt: now,
      priority,
      customerId: record.customerId,
      owner: record.owner,
      waitOverflow: wov && { deadline: now + Math.round(wov.seconds * 1000), to: wov.to },
    });
    if (!r.ok) throw new ConflictError(`Contact ${id} is already in the ACD`, 'duplicate');
    if (arrival) this.#publish({ type: 'contact.overflowed', contactId: id, channel: req.channel, from: asked, to: target, reason: arrival.when.kind, owner: record.owner, at: now });
    this.#publish({ type: 'contact.queued', contactId: id, channel: req.channel, target, priority, position: r.rank + 1, at: now });
    // Nobody can take it now: skip the attempt; the next agent to free up looks for it.
    if (r.candidates > 0) await this.#drain(targetKey(target), req.channel);
    const after = await this.#live.queueInfo(targetKey(target), req.channel, id);
    const queued = after.contactState === 'queued' && after.rank !== null;
    return {
      status: queued ? 'queued' : 'offered',
      contactId: id,
      target,
      ruleId,
      position: queued ? after.rank! + 1 : null,
      estimatedWaitSeconds: queued ? this.#estimate(after.rank! + 1, after) : null,
      ...(arrival ? { overflowedFrom: asked } : {}),
    };
  }

  async #insert(record: Parameters<RoutingStore['insertContact']>[0]): Promise<void> {
    try {
      await this.#store.insertContact(record);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ConflictError(`Contact ${record.id} was already routed`, 'duplicate');
      throw err;
    }
  }

  /** The agent (or their phone) took the offer: the contact becomes active on that agent. */
  async accept(offerId: string, opts: { agentId?: string } = {}): Promise<{ contactId: string; agentId: string; channel: Channel }> {
    const now = this.#clock();
    const r = await this.#live.accept(offerId, now, this.#maxReturningWindow(), opts.agentId);
    if (!r.ok) {
      if (r.reason === 'expired') throw new InvalidStateError('The offer has expired');
      throw new NotFoundError('Offer');
    }
    await this.#store.markAccepted(r.contactId, r.agentId, now);
    this.#publish({ type: 'offer.accepted', offerId, contactId: r.contactId, agentId: r.agentId, channel: r.channel, waitMs: now - r.enqueuedAt, seq: r.seq, at: now });
    // One fewer outstanding offer: under the burst cap the agent may take the next contact.
    if (r.freed) await this.kick(r.agentId);
    return { contactId: r.contactId, agentId: r.agentId, channel: r.channel };
  }

  /** The agent declined (or the call leg failed): the contact keeps its place and goes to the next agent. */
  async reject(offerId: string, opts: { agentId?: string } = {}): Promise<void> {
    const now = this.#clock();
    const r = await this.#live.release(offerId, now, 'reject', 0, opts.agentId);
    if (!r.ok) throw new NotFoundError('Offer');
    this.#publish({ type: 'offer.rejected', ...this.#outcome(r.released, now) });
    await this.#afterRelease(r.released);
  }

  /** The conversation ended: the slot frees; a call starts wrap-up. */
  async complete(contactId: string, opts: { agentId?: string } = {}): Promise<void> {
    const now = this.#clock();
    if (opts.agentId) {
      const loc = await this.#live.contactLocation(contactId);
      if (!loc || loc.agentId !== opts.agentId) throw new NotFoundError('Active contact');
    }
    const r = await this.#live.complete(contactId, now, this.config.settings.wrapUpSeconds);
    if (!r.ok) {
      if (r.reason === 'not_active') throw new InvalidStateError('The contact is not active yet; a waiting contact is abandoned, not completed');
      throw new NotFoundError('Active contact');
    }
    const handleMs = now - r.acceptedAt;
    await this.#store.markEnded(contactId, now, handleMs);
    if (r.wrapUntil !== null) {
      const presence = transition({ state: 'ready', reason: null, since: now, wrapUntil: null }, { kind: 'voice_contact_ended', wrapUpSeconds: (r.wrapUntil - now) / 1000 }, now);
      await this.#presenceChanged(r.agentId, presence, 'voice_contact_ended');
    }
    this.#publish({ type: 'contact.completed', contactId, agentId: r.agentId, channel: r.channel, handleMs, seq: r.seq, at: now });
    if (r.freed) await this.kick(r.agentId);
  }

  /** The customer left before being served (hung up, closed the chat). The wait is recorded. */
  async abandon(contactId: string): Promise<{ waitMs: number }> {
    const now = this.#clock();
    const r = await this.#live.abandon(contactId, now);
    if (!r.ok) {
      if (r.reason === 'active') throw new InvalidStateError('The contact is being served; complete it instead');
      throw new NotFoundError('Waiting contact');
    }
    const waitMs = now - r.enqueuedAt;
    await this.#store.markAbandoned(contactId, now, waitMs, r.stateBefore);
    const target = parseTargetKey(r.target);
    if (r.offerId && r.agentId) this.#publish({ type: 'offer.cancelled', offerId: r.offerId, contactId, agentId: r.agentId, channel: r.channel, seq: r.seq, at: now });
    this.#publish({ type: 'contact.abandoned', contactId, channel: r.channel, target, waitMs, while: r.stateBefore, seq: r.seq, at: now });
    if (r.agentId) await this.kick(r.agentId);
    return { waitMs };
  }

  /** Place in queue and estimated wait, for announcements and the chat widget. */
  async position(contactId: string): Promise<PositionInfo> {
    const loc = await this.#live.contactLocation(contactId);
    if (!loc) throw new NotFoundError('Contact in the ACD');
    const waitedSeconds = Math.max(0, Math.round((this.#clock() - loc.enqueuedAt) / 1000));
    const base = { contactId, state: loc.state, target: parseTargetKey(loc.target), channel: loc.channel, waitedSeconds };
    if (loc.state !== 'queued') return { ...base, position: null, estimatedWaitSeconds: 0 };
    const info = await this.#live.queueInfo(loc.target, loc.channel, contactId);
    const position = (info.rank ?? 0) + 1;
    return { ...base, position, estimatedWaitSeconds: this.#estimate(position, info) };
  }

  #estimate(position: number, info: QueueInfo): number | null {
    return estimateWaitSeconds({
      position,
      agentsServing: info.loggedIn,
      slotsPerAgent: info.loggedIn > 0 ? info.slots / info.loggedIn : 1,
      averageHandleSeconds: info.handled > 0 ? info.handleMs / info.handled / 1000 : undefined,
    });
  }

  // ── agents ─────────────────────────────────────────────────────────────

  /** An agent (or a supervisor for them) sets ready / not_ready(reason) / offline. */
  async setPresence(agentId: string, want: { state: 'ready' | 'offline' } | { state: 'not_ready'; reason: string }, cause = 'agent'): Promise<Presence> {
    const reasons = new Set(this.config.reasons.filter((r) => r.enabled).map((r) => r.code));
    for (let attempt = 0; attempt < 5; attempt++) {
      // Going ready re-reads groups and settings, so membership changes apply from the next login.
      const agent = want.state === 'ready' || !(await this.#live.getAgent(agentId)) ? await this.syncAgent(agentId) : await this.#live.getAgent(agentId);
      if (!agent) throw new NotFoundError('Agent');
      const now = this.#clock();
      const next = transition(agent.presence, want.state === 'not_ready' ? { kind: 'set', state: 'not_ready', reason: want.reason } : { kind: 'set', state: want.state }, now, { reasons });
      if (next === agent.presence) return next;
      const r = await this.#live.setPresence(agentId, agent.ver, next, now);
      if (!r.ok) continue; // someone changed the agent meanwhile (an offer, a timer): decide again on fresh state
      await this.#presenceChanged(agentId, next, cause);
      if (next.state === 'ready') await this.kick(agentId);
      return next;
    }
    throw new ConflictError('The agent state kept changing; try again');
  }

  /** The telephony layer reports softphone registration (sofia register / unregister / expire). */
  async setVoiceEndpoint(agentId: string, endpoint: { registered: boolean }): Promise<void> {
    await this.syncAgent(agentId, { voiceRegistered: endpoint.registered });
    await this.kick(agentId);
  }

  /** The agent's own chat capacity, within the admin's limit. */
  async setChatCapacity(agentId: string, chat: number): Promise<void> {
    const [setup] = await this.#store.loadAgentSetups([agentId]);
    if (!setup) throw new NotFoundError('Agent');
    checkSelfChatCapacity(chat, setup.settings.chatCapacityLimit);
    await this.#store.saveAgentSettings(agentId, { chatCapacitySelf: chat });
    await this.syncAgent(agentId);
    await this.kick(agentId);
  }

  /** Admin settings of an agent: whether a call blocks chats, an external phone. */
  async setAgentSettings(agentId: string, patch: { callBlocksChat?: boolean; externalPhone?: string | null }): Promise<void> {
    const [setup] = await this.#store.loadAgentSetups([agentId]);
    if (!setup) throw new NotFoundError('Agent');
    await this.#store.saveAgentSettings(agentId, patch);
    await this.syncAgent(agentId);
    await this.kick(agentId);
  }

  /** Copies an agent's groups, levels and capacity from Postgres into live state. */
  async syncAgent(agentId: string, opts: { voiceRegistered?: boolean } = {}): Promise<LiveAgent | undefined> {
    const [setup] = await this.#store.loadAgentSetups([agentId]);
    if (!setup) return undefined;
    await this.#applySetup(setup, opts.voiceRegistered);
    const agent = await this.#live.getAgent(agentId);
    if (agent) this.#publish({ type: 'agent.updated', agentId, capacity: agent.capacity, voiceRegistered: agent.voiceRegistered, at: this.#clock() });
    return agent;
  }

  async #applySetup(setup: AgentSetup, voiceRegistered?: boolean): Promise<void> {
    const registered = voiceRegistered ?? (await this.#live.getAgent(setup.agentId))?.voiceRegistered ?? false;
    const capacity = effectiveCapacity(setup.settings, { registered });
    await this.#live.setAgent(setup.agentId, this.#clock(), setup.enabled ? capacity : { voice: 0, chat: 0, callBlocksChat: capacity.callBlocksChat }, registered, this.#targetsOf(setup));
    this.#synced.set(setup.agentId, JSON.stringify(setup));
  }

  #targetsOf(setup: AgentSetup): Map<string, number> {
    if (!setup.enabled) return new Map();
    const targets = new Map(setup.groups.map((g) => [targetKey({ kind: 'group', id: g.groupId }), g.level]));
    targets.set(targetKey({ kind: 'agent', id: setup.agentId }), PERSONAL_QUEUE_LEVEL);
    return targets;
  }

  /**
   * Re-reads memberships and settings of agents the ACD knows. Skill groups are
   * edited elsewhere (org/), so this is how those edits reach live state.
   */
  async resyncAgents(force = false): Promise<void> {
    const known = new Set(await this.#live.listAgentIds());
    for (const setup of await this.#store.loadAgentSetups([...known])) {
      if (!force && this.#synced.get(setup.agentId) === JSON.stringify(setup)) continue;
      await this.#applySetup(setup);
      await this.kick(setup.agentId);
    }
  }

  /** An agent may have a free slot: try their queues, oldest head first. */
  async kick(agentId: string): Promise<void> {
    const queues = await this.#live.agentQueues(agentId);
    queues.sort((a, b) => a.headScore - b.headScore);
    for (const q of queues) await this.#drain(q.target, q.channel);
  }

  // ── supervisor views ──────────────────────────────────────────────────

  async agents(): Promise<LiveAgent[]> {
    return this.#live.getAgents(await this.#live.listAgentIds());
  }

  async queues(): Promise<{ target: Target; channels: Record<Channel, { waiting: number; longestWaitSeconds: number; estimatedWaitSeconds: number | null }>; agents: Record<Presence['state'], number> }[]> {
    const [targets, agents] = await Promise.all([this.#live.listTargets(), this.agents()]);
    const now = this.#clock();
    return Promise.all(
      targets.map(async (t) => {
        const byState = { offline: 0, ready: 0, not_ready: 0, wrap_up: 0 };
        for (const a of agents) if (a.targets.has(t)) byState[a.presence.state]++;
        const [voice, chat] = await Promise.all([this.#live.queueInfo(t, 'voice'), this.#live.queueInfo(t, 'chat')]);
        const view = (i: QueueInfo) => ({
          waiting: i.waiting,
          longestWaitSeconds: i.oldestEnqueuedAt === null ? 0 : Math.max(0, Math.round((now - i.oldestEnqueuedAt) / 1000)),
          estimatedWaitSeconds: i.waiting === 0 ? 0 : this.#estimate(i.waiting, i),
        });
        return { target: parseTargetKey(t), channels: { voice: view(voice), chat: view(chat) }, agents: byState };
      }),
    );
  }

  // ── the decision loop ─────────────────────────────────────────────────

  /**
   * Offers the queue's waiting contacts while agents can take them. Repeated
   * triggers for one queue collapse: one pump per queue per process runs passes
   * back to back, and a caller waits for the first pass that starts after its
   * trigger (so it sees the effect of its own change, but never waits for other
   * callers' work under continuous load). Other processes may drain the same queue
   * at the same time; the claim keeps them honest.
   */
  #drain(target: string, channel: Channel): Promise<void> {
    const key = `${channel}|${target}`;
    let slot = this.#drains.get(key);
    if (!slot) this.#drains.set(key, (slot = { waiters: [], pump: undefined }));
    const done = new Promise<void>((resolve) => slot.waiters.push(resolve));
    slot.pump ??= this.#pump(key, slot, target, channel);
    return done;
  }

  async #pump(key: string, slot: DrainSlot, target: string, channel: Channel): Promise<void> {
    try {
      while (slot.waiters.length > 0 && !this.#closed) {
        const batch = slot.waiters.splice(0);
        let more = false;
        try {
          more = await this.#drainOnce(target, channel);
        } catch (err) {
          this.#log.error({ err, target, channel }, 'assignment pass failed; the next trigger retries');
        }
        for (const resolve of batch) resolve();
        // A pass stops after a bounded number of decisions so callers are answered; carry on if there is more.
        if (more && slot.waiters.length === 0) slot.waiters.push(() => undefined);
      }
    } finally {
      for (const resolve of slot.waiters.splice(0)) resolve();
      this.#drains.delete(key);
    }
  }

  /** Decisions until the queue is empty or nobody can take its head; true when it stopped at the round limit. */
  async #drainOnce(target: string, channel: Channel): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS_PER_PASS; round++) {
      if (this.#closed) return false;
      const t0 = performance.now();
      const head = await this.#live.peek(target, channel);
      if (!head || head.candidates.length === 0) return false;
      const now = this.#clock();
      const ranked = rankAgents(this.#strategyOf(target), head.candidates, { lastServed: head.lastServed, tried: head.tried, now, random: this.#random });
      let outcome: 'offered' | 'offered_last' | 'contact_gone' | 'no_agent' = 'no_agent';
      for (const agent of ranked) {
        const offerId = randomUUID();
        const deadline = Math.round(this.#clock() + this.#offerTimeout(channel) * 1000);
        const r = await this.#live.claim(head.contactId, agent.agentId, offerId, deadline);
        if (r.ok) {
          outcome = 'offered';
          const offer: OfferEvent = {
            type: 'contact.offered',
            offerId,
            contactId: head.contactId,
            agentId: agent.agentId,
            channel,
            target: parseTargetKey(r.target),
            customerId: r.customerId,
            owner: r.owner,
            decidedBy: this.instanceId,
            deadline,
            enqueuedAt: r.enqueuedAt,
            seq: r.seq,
            at: now,
          };
          this.#publish(offer);
          if (!r.more) outcome = 'offered_last';
          break;
        }
        if (r.reason === 'contact_gone') {
          outcome = 'contact_gone';
          break;
        }
      }
      this.monitor.emit('decision', { target, channel, outcome: outcome === 'offered_last' ? 'offered' : outcome, ms: performance.now() - t0 });
      // Nobody left who could take the next one, or every candidate vanished under us:
      // their own changes trigger the next attempt.
      if (outcome === 'no_agent' || outcome === 'offered_last') return false;
    }
    return true;
  }

  #strategyOf(target: string): GroupStrategy {
    const t = parseTargetKey(target);
    return (t.kind === 'group' && this.config.strategies.get(t.id)) || DEFAULT_STRATEGY;
  }

  #offerTimeout(channel: Channel): number {
    const s = this.config.settings;
    return channel === 'voice' ? s.offerTimeoutVoiceSeconds : s.offerTimeoutChatSeconds;
  }

  #maxReturningWindow(): number {
    let max = DEFAULT_STRATEGY.returningWindowSeconds;
    for (const s of this.config.strategies.values()) if (s.returningCustomerFirst) max = Math.max(max, s.returningWindowSeconds);
    return max;
  }

  // ── the sweeper: timers that must fire even if the process that set them died ─

  /** One pass: expired offers, ended wrap-ups, due wait-overflows, lost live state, membership drift. Safe to call any time. */
  sweep(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#sweeping ??= this.#sweepOnce()
      .catch((err: unknown) => this.#log.warn({ err }, 'ACD sweep failed; retrying next tick'))
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    const now = this.#clock();
    if (!(await this.#live.isBuilt())) await this.ensureBuilt();
    const expired = await this.#live.expireOffers(now, SWEEP_BATCH, this.config.settings.missedOffersBeforeNotReady);
    for (const e of expired) {
      this.#publish({ type: 'offer.timed_out', ...this.#outcome(e, now) });
      if (e.pausedAs) {
        const threshold = this.config.settings.missedOffersBeforeNotReady;
        const paused = transition({ state: 'ready', reason: null, since: now, wrapUntil: null }, { kind: 'missed_offers', misses: threshold, threshold }, now);
        await this.#presenceChanged(e.agentId, paused, 'missed_offers');
      }
    }
    await Promise.all(expired.map((e) => this.#afterRelease(e)));
    for (const w of await this.#live.endWrapUps(now, SWEEP_BATCH)) {
      await this.#presenceChanged(w.agentId, transition({ state: 'wrap_up', reason: null, since: now, wrapUntil: now }, { kind: 'wrap_up_elapsed' }, now), 'wrap_up_elapsed');
      await this.kick(w.agentId);
    }
    for (const d of await this.#live.dueWaitOverflows(now, SWEEP_BATCH)) if (d.to) await this.#overflowWaiting(d.contactId, d.target, d.channel, d.to, now);
    const resyncEvery = this.#opts.resyncIntervalMs ?? 30_000;
    if (now - this.#lastResync >= resyncEvery) {
      this.#lastResync = now;
      await this.resyncAgents();
    }
  }

  async #overflowWaiting(contactId: string, from: string, channel: Channel, to: OverflowDestination, now: number): Promise<void> {
    const moved = await this.#live.move(contactId, from, isAcdTarget(to) ? targetKey(to) : null);
    if (!moved.ok) return;
    const loc = await this.#live.contactLocation(contactId);
    if (isAcdTarget(to)) await this.#store.moveContact(contactId, to);
    else await this.#store.markOverflowed(contactId, now, to, 'wait_over', now - moved.enqueuedAt);
    this.#publish({ type: 'contact.overflowed', contactId, channel, from: parseTargetKey(from), to, reason: 'wait_over', owner: null, at: now });
    if (loc && isAcdTarget(to)) await this.#drain(targetKey(to), channel);
  }

  async #afterRelease(r: ReleasedOffer): Promise<void> {
    await this.#drain(r.target, r.channel);
    if (r.freed) await this.kick(r.agentId);
  }

  #outcome(r: ReleasedOffer, at: number) {
    return { offerId: r.offerId, contactId: r.contactId, agentId: r.agentId, channel: r.channel, seq: r.seq, at };
  }

  async #presenceChanged(agentId: string, presence: Presence, cause: string): Promise<void> {
    await this.#store.recordPresence({ agentId, presence, cause });
    this.#publish({ type: 'agent.presence', agentId, presence, cause, at: presence.since });
  }

  // ── events ─────────────────────────────────────────────────────────────

  #publish(e: RoutingEvent): void {
    const topics: string[] = [TOPICS.internal, TOPICS.supervisor];
    if ('agentId' in e) topics.push(TOPICS.agent(e.agentId));
    this.#bus.publish(topics, e);
  }

  /** Every process hears every event; the offer's handling process also hands it to the channel's sink. */
  #onBusEvent(e: RoutingEvent): void {
    // The union is narrowed by `type` at runtime; TypeScript cannot correlate the two arguments.
    const emit = this.events.emit.bind(this.events) as (type: RoutingEvent['type'], event: RoutingEvent) => void;
    emit(e.type, e);
    if (e.type === 'contact.offered' && (e.owner ?? e.decidedBy) === this.instanceId) this.#deliver(e);
  }

  #deliver(o: EventOf<'contact.offered'>): void {
    const sink = this.#sinks.get(o.channel);
    if (!sink) return;
    Promise.resolve()
      .then(() => sink.offer(o))
      .catch(async (err: unknown) => {
        this.#log.warn({ err, offerId: o.offerId }, 'offer delivery failed; rejecting the offer');
        await this.reject(o.offerId).catch(() => undefined);
      });
  }
}
