import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logging/logger';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../platform/errors';
import { SerialWriter } from '../platform/retry';
import { checkSelfChatCapacity, effectiveCapacity } from './policy/capacity';
import { transition, type Presence } from './policy/presence';
import { estimateWaitSeconds, MAX_PRIORITY, queueScore } from './policy/queue-order';
import { isAcdTarget, matchRule, overflowOnArrival, waitOverflow, type Overflow, type OverflowDestination } from './policy/rules';
import { DEFAULT_STRATEGY } from './policy/strategies';
import { parseTargetKey, targetKey, type AttributeValue, type Channel, type Clock, type Target } from './policy/types';
import { ContactGoneError, TOPICS, type EventOf, type MonitorEvents, type OfferSink, type RoutingEvent, type RoutingEvents } from './events';
import type { AgentSetup, Bus, Dispatched, DispatchInput, DispatchTrigger, LiveAgent, LiveState, QueueInfo, ReleasedOffer, RoutingConfig, RoutingStore } from './ports';
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

/** Offers one step may make before it answers (its caller carries on when there are more). */
const DISPATCH_BOUND = 8;
/** Timers handled per Redis call: each call blocks Redis while it runs, so many small ones (measured: 500 expiries took 31 ms). */
const SWEEP_BATCH = 25;
/** Batches per timer kind per sweep; the rest waits for the next sweep. */
const SWEEP_ROUNDS = 40;
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
  /**
   * Postgres history of contacts and presence, written in order behind the decisions: Redis
   * holds the live truth, so an offer, an accept or a completion never waits on (or fails
   * with) a slow Postgres; the history catches up, retried.
   */
  readonly #history: SerialWriter;
  /** Dispatch steps under way, so stop() can wait for them. */
  readonly #stepping = new Set<Promise<unknown>>();
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
    this.#history = new SerialWriter(this.#log);
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
    await Promise.allSettled([...this.#stepping]);
    await this.#history.drained(10_000);
    this.events.removeAllListeners();
  }

  /** The calls and chat modules register how offers reach agents on their channel. */
  /** Settles once the Postgres history queued so far is written (tests, shutdown, readers of the presence log). */
  historyWritten(): Promise<void> {
    return this.#history.drained();
  }

  setOfferSink(channel: Channel, sink: OfferSink | undefined): void {
    if (sink) this.#sinks.set(channel, sink);
    else this.#sinks.delete(channel);
  }

  async reloadConfig(): Promise<void> {
    this.#config = await this.#store.loadConfig();
    await this.#live.setConfig(this.#config);
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
    const t0 = performance.now();
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
    }, this.#dispatchInput(now));
    if (!r.ok) throw new ConflictError(`Contact ${id} is already in the ACD`, 'duplicate');
    if (arrival) this.#publish({ type: 'contact.overflowed', contactId: id, channel: req.channel, from: asked, to: target, reason: arrival.when.kind, owner: record.owner, at: now });
    const offered = r.dispatched.offers.some((o) => o.contactId === id);
    // Queued, then offered: in that order for whoever follows the contact's events.
    this.#publish({ type: 'contact.queued', contactId: id, channel: req.channel, target, priority, position: offered ? 1 : (r.info.rank ?? 0) + 1, at: now });
    await this.#offered(r.dispatched, t0, now, [{ queue: { target: targetKey(target), channel: req.channel } }]);
    const after = r.info;
    const queued = !offered && after.contactState === 'queued' && after.rank !== null;
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
    const t0 = performance.now();
    const r = await this.#live.accept(offerId, this.#dispatchInput(now), this.#maxReturningWindow(), opts.agentId);
    if (!r.ok) {
      throw new NotFoundError('Offer');
    }
    try {
      this.#history.write('markAccepted', () => this.#store.markAccepted(r.contactId, r.agentId, now), { contactId: r.contactId });
      this.#publish({ type: 'offer.accepted', offerId, contactId: r.contactId, agentId: r.agentId, channel: r.channel, waitMs: now - r.enqueuedAt, seq: r.seq, at: now });
    } finally {
      // One fewer outstanding offer: under the burst cap the step may have offered the agent the next
      // contact. Those offers are made in Redis: announce them even if the record could not be written.
      await this.#offered(r.dispatched, t0, now, [{ agent: r.agentId }]);
    }
    return { contactId: r.contactId, agentId: r.agentId, channel: r.channel };
  }

  /** The agent declined (or the call leg failed): the contact keeps its place and goes to the next agent. */
  async reject(offerId: string, opts: { agentId?: string } = {}): Promise<void> {
    const now = this.#clock();
    const t0 = performance.now();
    const r = await this.#live.release(offerId, this.#dispatchInput(now), 'reject', 0, opts.agentId);
    if (!r.ok) throw new NotFoundError('Offer');
    this.#publish({ type: 'offer.rejected', ...this.#outcome(r.released, now) });
    await this.#offered(r.dispatched, t0, now, afterRelease(r.released));
  }

  /** The conversation ended: the slot frees; a call starts wrap-up. */
  async complete(contactId: string, opts: { agentId?: string } = {}): Promise<void> {
    const now = this.#clock();
    if (opts.agentId) {
      const loc = await this.#live.contactLocation(contactId);
      if (!loc || loc.agentId !== opts.agentId) throw new NotFoundError('Active contact');
    }
    const t0 = performance.now();
    const r = await this.#live.complete(contactId, this.#dispatchInput(now), this.config.settings.wrapUpSeconds);
    if (!r.ok) {
      if (r.reason === 'not_active') throw new InvalidStateError('The contact is not active yet; a waiting contact is abandoned, not completed');
      throw new NotFoundError('Active contact');
    }
    try {
      const handleMs = now - r.acceptedAt;
      this.#history.write('markEnded', () => this.#store.markEnded(contactId, now, handleMs), { contactId });
      if (r.wrapUntil !== null) {
        const presence = transition({ state: 'ready', reason: null, since: now, wrapUntil: null }, { kind: 'voice_contact_ended', wrapUpSeconds: (r.wrapUntil - now) / 1000 }, now);
        await this.#presenceChanged(r.agentId, presence, 'voice_contact_ended');
      }
      this.#publish({ type: 'contact.completed', contactId, agentId: r.agentId, channel: r.channel, handleMs, seq: r.seq, at: now });
    } finally {
      // The freed slot's offers are made in Redis: announce them even if the record could not be written.
      await this.#offered(r.dispatched, t0, now, [{ agent: r.agentId }]);
    }
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
    this.#history.write('markAbandoned', () => this.#store.markAbandoned(contactId, now, waitMs, r.stateBefore), { contactId });
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

  /** Admin settings of an agent: whether a call blocks chats. (An external phone is the agent's endpoint: see endpoints/.) */
  async setAgentSettings(agentId: string, patch: { callBlocksChat?: boolean }): Promise<void> {
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
  kick(agentId: string): Promise<void> {
    return this.#dispatch([{ agent: agentId }]);
  }

  // ── supervisor views ──────────────────────────────────────────────────

  async agents(): Promise<LiveAgent[]> {
    return this.#live.getAgents(await this.#live.listAgentIds());
  }

  async queues(): Promise<{ target: Target; channels: Record<Channel, { waiting: number; longestWaitSeconds: number; estimatedWaitSeconds: number | null }>; agents: Record<Presence['state'], number> }[]> {
    const [targets, agents] = await Promise.all([this.#live.listTargets(), this.agents()]);
    const now = this.#clock();
    // One pass over memberships (not agents × queues: 5,000 agents have 5,000 personal queues).
    const states = new Map<string, Record<Presence['state'], number>>();
    for (const a of agents) {
      for (const t of a.targets.keys()) {
        let byState = states.get(t);
        if (!byState) states.set(t, (byState = { offline: 0, ready: 0, not_ready: 0, wrap_up: 0 }));
        byState[a.presence.state]++;
      }
    }
    return Promise.all(
      targets.map(async (t) => {
        const byState = states.get(t) ?? { offline: 0, ready: 0, not_ready: 0, wrap_up: 0 };
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
  //
  // Decisions happen inside live state, in the same atomic step as the change
  // that made them possible (a contact queued, a slot freed): see
  // adapters/lua/dispatch.ts. Here: give each step what it needs, and announce
  // what it offered.

  #dispatchInput(now: number): DispatchInput {
    return { now, seed: Math.floor(this.#random() * 2 ** 31), uuid: randomUUID(), bound: DISPATCH_BOUND };
  }

  /** Offers what can be offered now for these triggers (a queue that may have work, an agent who may be free). */
  async #dispatch(triggers: DispatchTrigger[]): Promise<void> {
    for (const trigger of triggers) {
      if (this.#closed) return;
      const t0 = performance.now();
      const now = this.#clock();
      await this.#offered(await this.#step(this.#live.dispatch(trigger, this.#dispatchInput(now))), t0, now, [trigger]);
    }
  }

  /**
   * Announces a step's offers (t0: when the step was sent, so each decision's
   * latency covers the whole step); a step that stopped at its bound goes on.
   */
  async #offered(d: Dispatched, t0: number, now: number, triggers: DispatchTrigger[]): Promise<void> {
    for (const o of d.offers) {
      this.monitor.emit('decision', { contactId: o.contactId, agentId: o.agentId, target: o.target, channel: o.channel, ms: performance.now() - t0 });
      this.#publish({ type: 'contact.offered', ...o, target: parseTargetKey(o.target), decidedBy: this.instanceId, at: now });
    }
    if (d.more) await this.#dispatch(triggers);
  }

  /** Tracks a live-state step so stop() waits for it. */
  #step<T>(p: Promise<T>): Promise<T> {
    this.#stepping.add(p);
    return p.finally(() => this.#stepping.delete(p));
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
    await this.#inBatches(
      () => this.#live.expireOffers(now, SWEEP_BATCH, this.config.settings.missedOffersBeforeNotReady),
      (expired) => this.#offersExpired(expired, now),
    );
    await this.#inBatches(
      () => this.#live.endWrapUps(now, SWEEP_BATCH),
      async (ended) => {
        for (const w of ended) {
          await this.#presenceChanged(w.agentId, transition({ state: 'wrap_up', reason: null, since: now, wrapUntil: now }, { kind: 'wrap_up_elapsed' }, now), 'wrap_up_elapsed');
          await this.kick(w.agentId);
        }
      },
    );
    await this.#inBatches(
      () => this.#live.dueWaitOverflows(now, SWEEP_BATCH),
      async (due) => {
        for (const d of due) if (d.to) await this.#overflowWaiting(d.contactId, d.target, d.channel, d.to, now);
      },
    );
    const resyncEvery = this.#opts.resyncIntervalMs ?? 30_000;
    if (now - this.#lastResync >= resyncEvery) {
      this.#lastResync = now;
      await this.resyncAgents();
    }
  }

  /** One kind of timer, SWEEP_BATCH at a time, until none is due or this sweep's share is used. */
  async #inBatches<T>(fetch: () => Promise<T[]>, handle: (batch: T[]) => Promise<void>): Promise<void> {
    for (let round = 0; round < SWEEP_ROUNDS && !this.#closed; round++) {
      const batch = await fetch();
      await handle(batch);
      if (batch.length < SWEEP_BATCH) return;
    }
  }

  async #offersExpired(expired: ReleasedOffer[], now: number): Promise<void> {
    for (const e of expired) {
      this.#publish({ type: 'offer.timed_out', ...this.#outcome(e, now) });
      if (e.pausedAs) {
        const threshold = this.config.settings.missedOffersBeforeNotReady;
        const paused = transition({ state: 'ready', reason: null, since: now, wrapUntil: null }, { kind: 'missed_offers', misses: threshold, threshold }, now);
        await this.#presenceChanged(e.agentId, paused, 'missed_offers');
      }
    }
    await Promise.all(expired.map((e) => this.#dispatch(afterRelease(e))));
  }

  async #overflowWaiting(contactId: string, from: string, channel: Channel, to: OverflowDestination, now: number): Promise<void> {
    const moved = await this.#live.move(contactId, from, isAcdTarget(to) ? targetKey(to) : null);
    if (!moved.ok) return;
    const loc = await this.#live.contactLocation(contactId);
    if (isAcdTarget(to)) this.#history.write('moveContact', () => this.#store.moveContact(contactId, to), { contactId });
    else this.#history.write('markOverflowed', () => this.#store.markOverflowed(contactId, now, to, 'wait_over', now - moved.enqueuedAt), { contactId });
    this.#publish({ type: 'contact.overflowed', contactId, channel, from: parseTargetKey(from), to, reason: 'wait_over', owner: null, at: now });
    if (loc && isAcdTarget(to)) await this.#dispatch([{ queue: { target: targetKey(to), channel } }]);
  }

  #outcome(r: ReleasedOffer, at: number) {
    return { offerId: r.offerId, contactId: r.contactId, agentId: r.agentId, channel: r.channel, seq: r.seq, at };
  }

  #presenceChanged(agentId: string, presence: Presence, cause: string): Promise<void> {
    this.#history.write('recordPresence', () => this.#store.recordPresence({ agentId, presence, cause }), { agentId });
    this.#publish({ type: 'agent.presence', agentId, presence, cause, at: presence.since });
    return Promise.resolve();
  }

  /** A contact whose call or conversation vanished: abandoned (its offer cancelled, the agent freed), or completed if it was being served. */
  async #abandonGone(contactId: string): Promise<void> {
    try {
      await this.abandon(contactId);
    } catch (err) {
      if (err instanceof InvalidStateError) await this.complete(contactId).catch((e: unknown) => this.#log.warn({ err: e, contactId }, 'completing a gone contact failed'));
      else if (!(err instanceof NotFoundError)) this.#log.warn({ err, contactId }, 'abandoning a gone contact failed');
    }
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
        if (err instanceof ContactGoneError) {
          this.#log.warn({ contactId: o.contactId, offerId: o.offerId, why: err.message }, 'the offered contact is gone; abandoning it');
          await this.#abandonGone(o.contactId);
          return;
        }
        this.#log.warn({ err, offerId: o.offerId }, 'offer delivery failed; rejecting the offer');
        await this.reject(o.offerId).catch(() => undefined);
      });
  }
}

/** After an offer is released: its contact's queue (it waits again), then its agent (a slot is free). */
function afterRelease(r: ReleasedOffer): DispatchTrigger[] {
  return [{ queue: { target: r.target, channel: r.channel } }, ...(r.freed ? [{ agent: r.agentId }] : [])];
}
