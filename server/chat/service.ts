import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';
import { ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from '../platform/errors';
import type { RoutingEngine } from '../routing/engine';
import type { OfferEvent } from '../routing/events';
import { isOpen, matchRule } from '../routing/policy/rules';
import { contactIdOf, conversationOfContact, fromStates, transition, type ConversationEvent, type EndReason } from './domain/conversation';
import { checkRecall, checkText } from './domain/rules';
import { parseSettings, pick, queueText, ratingOptions, render, type ChatSettings } from './domain/settings';
import * as store from './store';
import type { Conversation, Message } from './store';
import type { ChatConversation, ChatEvents } from '../realtime/contract';
import { PgTimers, type DueTimer, type TimerKind } from './timers';

/** Events both the visitor and the conversation's agents receive, under the same name. */
type SharedEvent = 'message' | 'message.recalled' | 'message.read';

/** How the service reaches people: visitors through the widget's gateway, agents through the agent channel (rooms across processes). */
export interface ChatNotifier {
  toVisitor(visitorId: string, event: string, data: unknown): void;
  /** To the agents' rooms of the agent channel; names and payloads are the shared contract's. */
  toAgents<N extends keyof ChatEvents>(agentIds: string[], event: N, data: ChatEvents[N]): void;
  /** Whether the visitor has a live connection on any server process. */
  visitorOnline(visitorId: string): Promise<boolean>;
}

export type Actor = { kind: 'visitor'; visitorId: string } | { kind: 'agent'; agentId: string; canViewAll?: boolean };

export interface ChatServiceDeps {
  db: Db;
  engine: RoutingEngine;
  log: Logger;
  clock: () => number;
  notifier: ChatNotifier;
}

/** Priority of a conversation that comes back to the queue (agent gone, transfer to a group): ahead of new arrivals. */
export const REQUEUE_PRIORITY = 50;
export const CLAIM_PRIORITY = 100;

/**
 * The conversation service: lifecycle (start → menu → queue → assigned → ended),
 * messages, and the timers of seed 000 §4.2.1 / 002 §2.2. State moves only through
 * transition() + a guarded UPDATE; every message is in Postgres before it is sent.
 * Agent-side extras (transfer, wrap-up, quick replies…) live in actions.ts.
 */
export class ChatService {
  readonly timers: PgTimers;
  settings: ChatSettings = parseSettings({});
  readonly #db: Db;
  readonly #engine: RoutingEngine;
  readonly #log: Logger;
  readonly #clock: () => number;
  notifier: ChatNotifier;
  /** Hooks for actions.ts (transfer timeouts) without a dependency cycle. */
  readonly extraTimers = new Map<string, (t: DueTimer) => Promise<void>>();
  /** Set by actions.ts: handles an offer of a transfer leg (returns false when the offer is not one). */
  onTransferLeg: ((conv: Conversation, o: OfferEvent) => Promise<boolean>) | undefined;

  constructor(deps: ChatServiceDeps) {
    this.#db = deps.db;
    this.#engine = deps.engine;
    this.#log = deps.log.child({ component: 'chat' });
    this.#clock = deps.clock;
    this.notifier = deps.notifier;
    this.timers = new PgTimers(deps.db, deps.clock, this.#log, (t) => this.#onTimer(t));
  }

  get db(): Db {
    return this.#db;
  }
  get engine(): RoutingEngine {
    return this.#engine;
  }
  now(): number {
    return this.#clock();
  }

  async reloadSettings(): Promise<void> {
    this.settings = parseSettings(await store.loadSettings(this.#db));
  }

  /**
   * Tells every server process that the settings row changed (set by the module:
   * a Redis publish each process answers with reloadSettings()). Settings are the
   * only chat state a process keeps in memory; conversations are read per request.
   */
  announceSettings: () => Promise<void> = () => Promise.resolve();

  /** After the settings row was saved: reload here, then in every other process. */
  async settingsSaved(): Promise<void> {
    await this.reloadSettings();
    await this.announceSettings();
  }

  // ── lifecycle ───────────────────────────────────────────────────────────

  /** The visitor opens the chat: their open conversation, or a new one (menu first when the site has one). */
  async start(visitor: store.VisitorRow, opts: { navigation?: string; blocked?: boolean }): Promise<Conversation> {
    const open = await store.openConversationOf(this.#db, visitor.id);
    if (open) return open;
    const site = await store.siteById(this.#db, visitor.siteId);
    if (!site?.enabled) throw new NotFoundError('Chat site');
    const now = this.#clock();
    const menu = site.navigation.enabled && site.navigation.options.some((o) => o.enabled !== false);
    const conv = await store.createConversation(this.#db, { siteId: site.id, visitorId: visitor.id, state: 'navigating', navigation: null, language: visitor.language, now });
    if (opts.blocked) {
      await this.#system(conv, pick(this.settings.messages.blacklisted, conv.language));
      return (await this.#end(conv, 'blacklisted', { silent: true })) ?? conv;
    }
    if (menu && !opts.navigation) {
      this.notifier.toVisitor(visitor.id, 'navigation', { conversationId: conv.id, prompt: site.navigation.prompt, options: site.navigation.options.filter((o) => o.enabled !== false) });
      return conv;
    }
    return this.#queue(conv, site, visitor, opts.navigation ?? null);
  }

  /** The visitor picked a topic from the navigation menu. */
  async pickTopic(visitor: store.VisitorRow, conversationId: string, navigation: string): Promise<Conversation> {
    const conv = await this.#own(visitor.id, conversationId);
    transition(conv, { kind: 'queue' });
    const site = await store.siteById(this.#db, conv.siteId);
    if (!site?.navigation.options.some((o) => o.id === navigation && o.enabled !== false)) throw new NotFoundError('Navigation option');
    return this.#queue(conv, site, visitor, navigation);
  }

  async #queue(conv: Conversation, site: store.Site, visitor: store.VisitorRow, navigation: string | null, opts: { priority?: number; target?: { kind: 'group' | 'agent'; id: string }; from?: 'navigating' | 'active' | 'queued' } = {}): Promise<Conversation> {
    const now = this.#clock();
    const lang = conv.language;
    if (site.schedule && !isOpen(site.schedule, now)) return this.#noAgent(conv, pick(this.settings.messages.outOfHours, lang), 'out_of_hours');
    const facts = { channel: 'chat' as const, entry: { site: site.key }, navigation: navigation ?? undefined, customerId: visitor.customerId ?? undefined };
    const rule = opts.target ? undefined : matchRule(this.#engine.config.rules, facts, now);
    const target = opts.target ?? (rule ? undefined : site.groupId ? { kind: 'group' as const, id: site.groupId } : undefined);
    if (!rule && !target) return this.#noAgent(conv, pick(this.settings.messages.noAgent, lang), 'no_route');
    const leg = conv.leg + 1;
    const contactId = contactIdOf(conv.id, leg);
    // The row says "queued on this leg" before the ACD can offer it, so the offer finds it.
    const event: ConversationEvent = opts.from === 'active' ? { kind: 'requeue', reason: 'agent_gone' } : opts.from === 'queued' ? { kind: 'reroute' } : { kind: 'queue' };
    const next = transition(conv, event);
    const moved = await store.moveConversation(this.#db, conv.id, fromStates(event.kind), { state: next.state, agentId: null, contactId, leg, navigation, now });
    if (!moved) throw new ConflictError('The conversation changed meanwhile; try again', 'conflict');
    const result = await this.#engine.enqueue({
      id: contactId,
      channel: 'chat',
      priority: opts.priority ?? 0,
      customerId: visitor.customerId ?? undefined,
      entry: facts.entry,
      navigation: navigation ?? undefined,
      ...(target ? { target, overflow: opts.target ? [] : [{ when: { kind: 'none_logged_in' as const }, to: { kind: 'voicemail' as const } }] } : {}),
    });
    if (result.status === 'overflowed') return this.#noAgent(moved, pick(this.settings.messages.noAgent, lang), 'overflow');
    const t = this.settings.timers.queueTimeout;
    if (t.enabled) await this.timers.set(`c:${conv.id}:queue`, 'queue_timeout', conv.id, t.seconds * 1000, { contactId });
    if (result.status === 'queued' && result.position !== null) {
      await this.#system(moved, queueText(this.settings, result.position, lang));
      this.notifier.toVisitor(moved.visitorId, 'queue', { conversationId: conv.id, position: result.position, estimatedWaitSeconds: result.estimatedWaitSeconds });
    }
    this.notifier.toVisitor(moved.visitorId, 'state', await this.snapshot(conv.id));
    return (await store.getConversation(this.#db, conv.id))!;
  }

  /** Nobody can serve: say so, end the conversation, and offer the leave-message form. */
  async #noAgent(conv: Conversation, text: string, why: string): Promise<Conversation> {
    await this.#system(conv, text);
    const ended = (await this.#end(conv, 'no_agent', { silent: true })) ?? conv;
    this.notifier.toVisitor(conv.visitorId, 'leave_message', { conversationId: conv.id, reason: why, fields: this.settings.leaveMessage.enabled ? this.settings.leaveMessage.fields : [] });
    return ended;
  }

  /** The ACD offered a chat leg to an agent: chats are assigned automatically (seed 000 §5.3), so the offer is accepted at once. */
  async onOffer(o: OfferEvent): Promise<void> {
    const ref = conversationOfContact(o.contactId);
    if (!ref) return this.#engine.reject(o.offerId);
    const conv = await store.getConversation(this.#db, ref.conversationId);
    // A transfer leg: the conversation stays with the first agent until the target's offer arrives.
    if (conv && this.onTransferLeg && (await this.onTransferLeg(conv, o))) return;
    if (!conv || conv.contactId !== o.contactId || conv.state !== 'queued') {
      await this.#engine.reject(o.offerId);
      return;
    }
    await this.#engine.accept(o.offerId);
    const next = transition(conv, { kind: 'assign', agentId: o.agentId });
    const now = this.#clock();
    const moved = await store.moveConversation(this.#db, conv.id, fromStates('assign'), { state: next.state, agentId: o.agentId, now }, o.contactId);
    if (!moved) {
      // The visitor left between the offer and now: free the slot.
      await this.#engine.complete(o.contactId).catch(() => undefined);
      return;
    }
    await store.addParticipant(this.#db, conv.id, o.agentId, 'owner', now);
    await this.timers.cancel(`c:${conv.id}:queue`);
    const name = await store.agentName(this.#db, o.agentId);
    const m = this.settings.messages;
    if (m.assigned.enabled) await this.#system(moved, render(pick(m.assigned, moved.language), { agent: name }));
    if (m.welcome.enabled) await this.#system(moved, pick(m.welcome, moved.language));
    await this.#armIdle(moved);
    this.notifier.toAgents([o.agentId], 'conversation.assigned', await this.snapshot(conv.id));
    this.notifier.toVisitor(moved.visitorId, 'state', await this.snapshot(conv.id));
  }

  /** Ends a conversation (agent, visitor, timer). Idempotent for an ended one. */
  async end(actor: Actor, conversationId: string): Promise<Conversation> {
    const conv = await this.authorize(actor, conversationId);
    if (conv.state === 'ended') return conv;
    return (await this.#end(conv, actor.kind === 'visitor' ? 'visitor' : 'agent')) ?? conv;
  }

  async endBy(conversationId: string, reason: EndReason, text?: string): Promise<Conversation | undefined> {
    const conv = await store.getConversation(this.#db, conversationId);
    if (!conv || conv.state === 'ended') return conv;
    if (text) await this.#system(conv, text);
    return this.#end(conv, reason);
  }

  async #end(conv: Conversation, reason: EndReason, opts: { silent?: boolean } = {}): Promise<Conversation | undefined> {
    transition(conv, { kind: 'end', reason });
    const now = this.#clock();
    const ended = await store.moveConversation(this.#db, conv.id, fromStates('end'), { state: 'ended', endReason: reason, now });
    if (!ended) return store.getConversation(this.#db, conv.id);
    await this.timers.cancelPrefix(`c:${conv.id}:`);
    // A transfer leg still waiting for its target goes too.
    const legs = await this.#db.query<{ c: string }>("UPDATE chat_transfers SET status = 'done' WHERE conversation_id = $1 AND status IN ('pending', 'accepted') RETURNING new_contact_id AS c", [conv.id]);
    for (const l of legs.rows) if (l.c) await this.#engine.abandon(l.c).catch(() => undefined);
    if (conv.contactId) {
      if (conv.state === 'queued') await this.#engine.abandon(conv.contactId).catch((err: unknown) => this.#log.debug({ err }, 'abandon of a chat leg failed'));
      if (conv.state === 'active') await this.#engine.complete(conv.contactId).catch((err: unknown) => this.#log.debug({ err }, 'complete of a chat leg failed'));
    }
    if (!opts.silent && conv.state === 'active' && this.settings.messages.closing.enabled) await this.#system(ended, pick(this.settings.messages.closing, ended.language));
    const agents = await store.participants(this.#db, conv.id);
    if (conv.state === 'active' && this.settings.rating.autoOnClose && !ended.ratingInvitedAt) await this.inviteRating(ended, { auto: true });
    const snap = await this.snapshot(conv.id);
    this.notifier.toAgents(agents, 'conversation.ended', snap);
    this.notifier.toVisitor(conv.visitorId, 'state', snap);
    return ended;
  }

  /** Seed 000 §5.4.5: one invitation per conversation; sent automatically on close when none was sent. */
  async inviteRating(conv: Conversation, opts: { auto?: boolean } = {}): Promise<void> {
    const { rowCount } = await this.#db.query('UPDATE chat_conversations SET rating_invited_at = to_timestamp($2/1000.0) WHERE id = $1 AND rating_invited_at IS NULL', [conv.id, this.#clock()]);
    if (rowCount !== 1) {
      if (opts.auto) return;
      throw new ConflictError('A rating was already requested in this conversation', 'already_invited');
    }
    const rated = await this.#db.query('SELECT 1 FROM chat_ratings WHERE conversation_id = $1', [conv.id]);
    if (rated.rowCount) return;
    const text = pick(this.settings.messages.ratingInvite, conv.language);
    this.notifier.toVisitor(conv.visitorId, 'rating.request', { conversationId: conv.id, text, options: ratingOptions(this.settings), comment: this.settings.rating.comment });
  }

  /** The agent served by this leg is gone: put the conversation back at the front of the queue. */
  async requeue(conv: Conversation): Promise<void> {
    if (conv.state !== 'active' || !conv.contactId) return;
    await this.#engine.complete(conv.contactId).catch((err: unknown) => this.#log.debug({ err }, 'completing the old leg failed'));
    if (conv.agentId) await store.leaveParticipant(this.#db, conv.id, conv.agentId, this.#clock());
    const site = await store.siteById(this.#db, conv.siteId);
    const visitor = await this.#visitorRow(conv.visitorId);
    if (!site || !visitor) return;
    await this.#queue(conv, site, visitor, conv.navigation, { priority: REQUEUE_PRIORITY, from: 'active' });
  }

  /** Same as requeue but to a given target (transfer to a skill group or claim by an agent). */
  async requeueTo(conv: Conversation, target: { kind: 'group' | 'agent'; id: string }, priority: number): Promise<Conversation> {
    const site = await store.siteById(this.#db, conv.siteId);
    const visitor = await this.#visitorRow(conv.visitorId);
    if (!site || !visitor) throw new NotFoundError('Conversation');
    return this.#queue(conv, site, visitor, conv.navigation, { priority, target, from: conv.state === 'active' ? 'active' : conv.state === 'queued' ? 'queued' : 'navigating' });
  }

  async #visitorRow(visitorId: string): Promise<store.VisitorRow | undefined> {
    return (await this.#db.query<store.VisitorRow>(`SELECT id, site_id AS "siteId", customer_id AS "customerId", name, language FROM chat_visitors WHERE id = $1`, [visitorId])).rows[0];
  }

  // ── messages ────────────────────────────────────────────────────────────

  /**
   * Stores a message, then delivers it. Text and emoji take one round trip to
   * Postgres (store.sendMessage: check, insert and timer changes in one statement);
   * a file first checks access and the file, like before.
   */
  async send(actor: Actor, conversationId: string, m: { kind: 'text' | 'emoji' | 'image' | 'file'; text?: string; fileId?: string; clientId?: string }): Promise<Message> {
    let body = m.text ?? '';
    if (m.kind === 'text' || m.kind === 'emoji') {
      try {
        checkText(body, this.settings);
      } catch (err) {
        // Same precedence as ever: who may write comes before what was written.
        this.#writable(actor, await this.authorize(actor, conversationId, { write: true }));
        throw err;
      }
    } else {
      const conv = this.#writable(actor, await this.authorize(actor, conversationId, { write: true }));
      const file = m.fileId ? await store.getFile(this.#db, m.fileId) : undefined;
      if (!file || file.conversationId !== conv.id) throw new NotFoundError('File');
      if (file.kind !== m.kind) throw new InvalidStateError(`The file is a ${file.kind}`);
      body = file.name;
    }
    const now = this.#clock();
    const out = await store.sendMessage(this.#db, {
      conversationId,
      sender: actor.kind === 'agent' ? { kind: 'agent', agentId: actor.agentId } : { kind: 'visitor', visitorId: actor.visitorId },
      kind: m.kind,
      body,
      fileId: m.fileId ?? null,
      clientId: m.clientId ?? null,
      now,
      ...this.#timersAfterMessage(actor.kind, conversationId, now),
    });
    switch (out.status) {
      case 'not_found':
        throw new NotFoundError('Conversation');
      case 'forbidden':
        throw new ForbiddenError('You are not in this conversation');
      case 'ended':
        throw new InvalidStateError('The conversation has ended');
      case 'not_served':
        throw new InvalidStateError('The conversation is not being served');
      case 'sent':
        this.#emit(out.visitorId, out.agents, 'message', out.message);
        return out.message;
    }
  }

  #writable(actor: Actor, conv: Conversation): Conversation {
    if (conv.state === 'ended') throw new InvalidStateError('The conversation has ended');
    if (actor.kind === 'agent' && conv.state !== 'active') throw new InvalidStateError('The conversation is not being served');
    return conv;
  }

  /**
   * What a message does to the timers of an active conversation: the visitor's
   * cancels the idle warning and starts the agent-reply timer (unless one already
   * runs); the agent's cancels the reply timer and re-arms the idle timer.
   */
  #timersAfterMessage(sender: Actor['kind'], conversationId: string, now: number): { cancelTimer: string; armTimer: store.ArmTimer | null } {
    const t = this.settings.timers;
    if (sender === 'visitor') {
      return { cancelTimer: `c:${conversationId}:idle`, armTimer: t.agentReply.enabled ? { key: `c:${conversationId}:reply`, kind: 'agent_reply', dueAt: now + t.agentReply.seconds * 1000, replace: false } : null };
    }
    const idle = this.#idleTimer();
    return { cancelTimer: `c:${conversationId}:reply`, armTimer: idle ? { key: `c:${conversationId}:idle`, kind: idle.kind, dueAt: now + idle.seconds * 1000, replace: true } : null };
  }

  async recall(agentId: string, messageId: string): Promise<Message> {
    const msg = await store.getMessage(this.#db, messageId);
    if (!msg) throw new NotFoundError('Message');
    const { conv, agents } = await this.#access({ kind: 'agent', agentId }, msg.conversationId, { write: true });
    checkRecall(msg, agentId, this.#clock(), this.settings);
    const recalled = await store.recallMessage(this.#db, messageId, this.#clock());
    if (!recalled) throw new ConflictError('The message was already recalled', 'already_recalled');
    this.#emit(conv.visitorId, agents, 'message.recalled', { conversationId: conv.id, messageId, text: pick(this.settings.messages.recalled, conv.language) });
    return recalled;
  }

  async read(actor: Actor, conversationId: string, upTo: string): Promise<string[]> {
    const { conv, agents } = await this.#access(actor, conversationId);
    const ids = await store.markRead(this.#db, conv.id, actor.kind, upTo, this.#clock());
    if (ids.length) this.#emit(conv.visitorId, agents, 'message.read', { conversationId: conv.id, by: actor.kind, ids });
    return ids;
  }

  async typing(actor: Actor, conversationId: string, typing: boolean): Promise<void> {
    const { conv, agents } = await this.#access(actor, conversationId, { write: true });
    const data = { conversationId: conv.id, by: actor.kind, typing };
    if (actor.kind === 'visitor') this.notifier.toAgents(agents, 'typing', data);
    else this.notifier.toVisitor(conv.visitorId, 'typing', data);
  }

  /** Paging back through everything a visitor wrote and received, across conversations. */
  async history(visitorId: string, before: string | null, limit: number): Promise<{ messages: Message[]; next: string | null }> {
    const rows = await store.visitorHistory(this.#db, visitorId, before, limit);
    return { messages: rows.map((m) => this.#visible(m)), next: rows.length === limit ? rows[rows.length - 1]!.id : null };
  }

  /** A recalled message keeps its row (audit) but nobody sees its content any more. */
  #visible(m: Message): Message {
    return m.recalledAt === null ? m : { ...m, body: '', fileId: null };
  }

  async #system(conv: Conversation, text: string): Promise<Message> {
    const msg = await store.insertMessage(this.#db, { conversationId: conv.id, visitorId: conv.visitorId, senderKind: 'system', senderId: null, kind: 'system', body: text, now: this.#clock() });
    await this.#deliver(conv, 'message', msg);
    return msg;
  }

  async systemMessage(conv: Conversation, text: string): Promise<Message> {
    return this.#system(conv, text);
  }

  async #deliver<N extends SharedEvent>(conv: Conversation, event: N, data: ChatEvents[N]): Promise<void> {
    this.#emit(conv.visitorId, await store.participants(this.#db, conv.id), event, data);
  }

  /** Delivery, once the data is in Postgres: the visitor's room and the rooms of the conversation's current agents. */
  #emit<N extends SharedEvent>(visitorId: string, agents: string[], event: N, data: ChatEvents[N]): void {
    this.notifier.toVisitor(visitorId, event, data);
    if (agents.length) this.notifier.toAgents(agents, event, data);
  }

  async #armIdle(conv: Conversation): Promise<void> {
    const idle = this.#idleTimer();
    if (idle) await this.timers.set(`c:${conv.id}:idle`, idle.kind, conv.id, idle.seconds * 1000);
  }

  /** The visitor-idle timer that (re)starts when the agent speaks: the warning, or straight to the close when only that is on. */
  #idleTimer(): { kind: TimerKind; seconds: number } | undefined {
    const t = this.settings.timers;
    if (t.visitorIdleWarn.enabled) return { kind: 'visitor_idle_warn', seconds: t.visitorIdleWarn.seconds };
    if (t.visitorIdleClose.enabled) return { kind: 'visitor_idle_close', seconds: t.visitorIdleClose.seconds };
    return undefined;
  }

  // ── access ─────────────────────────────────────────────────────────────

  /** The conversation, if the actor is its visitor, one of its agents, or staff allowed to see all chats. */
  async authorize(actor: Actor, conversationId: string, opts: { write?: boolean } = {}): Promise<Conversation> {
    return (await this.#access(actor, conversationId, opts)).conv;
  }

  /** authorize() plus the agents currently in the conversation, read in the same round trip. */
  async #access(actor: Actor, conversationId: string, opts: { write?: boolean } = {}): Promise<{ conv: Conversation; agents: string[] }> {
    const a = await store.access(this.#db, conversationId, actor.kind === 'agent' ? actor.agentId : null);
    if (!a) throw new NotFoundError('Conversation');
    if (actor.kind === 'visitor') {
      if (a.conv.visitorId !== actor.visitorId) throw new NotFoundError('Conversation');
      return a;
    }
    if (a.agents.includes(actor.agentId)) return a;
    if (!opts.write && (actor.canViewAll || a.everIn)) return a;
    throw new ForbiddenError('You are not in this conversation');
  }

  /**
   * A visitor's profile and history are scoped like their conversations: staff who may see
   * all chats, or an agent who took part in one of the visitor's conversations. Unknown
   * visitor: 404; known but not served: 403, as for a conversation.
   */
  async authorizeVisitor(actor: Extract<Actor, { kind: 'agent' }>, visitorId: string): Promise<void> {
    const a = await store.visitorAccess(this.#db, visitorId, actor.agentId);
    if (!a) throw new NotFoundError('Visitor');
    if (!actor.canViewAll && !a.everServed) throw new ForbiddenError('You have not served this visitor');
  }

  async #own(visitorId: string, conversationId: string): Promise<Conversation> {
    return this.authorize({ kind: 'visitor', visitorId }, conversationId);
  }

  async snapshot(conversationId: string): Promise<ChatConversation> {
    const conv = await store.getConversation(this.#db, conversationId);
    if (!conv) throw new NotFoundError('Conversation');
    const agents = await store.participants(this.#db, conv.id);
    let position: number | null = null;
    if (conv.state === 'queued' && conv.contactId) position = await this.#engine.position(conv.contactId).then((p) => p.position, () => null);
    const agentNameOf = conv.agentId ? await store.agentName(this.#db, conv.agentId) : null;
    const hint = conv.state === 'queued' ? this.settings.messages.inputHintQueue : this.settings.messages.inputHintChat;
    return { ...conv, agentName: agentNameOf, participants: agents, position, inputHint: pick(hint, conv.language) };
  }

  // ── presence and timers ────────────────────────────────────────────────

  /** Every realtime connection of the agent stayed gone for the grace period (realtime liveness; the ACD has set them offline): their chats go back to the queue. */
  async agentGone(agentId: string): Promise<void> {
    for (const conv of await store.activeConversationsOf(this.#db, agentId)) await this.requeue(conv);
  }
  async visitorConnected(visitorId: string): Promise<void> {
    await this.timers.cancel(`v:${visitorId}:gone`);
  }
  async visitorDisconnected(visitorId: string): Promise<void> {
    await this.timers.set(`v:${visitorId}:gone`, 'visitor_gone', visitorId, this.settings.timers.visitorGoneAfterSeconds * 1000);
  }

  /** Live queue positions for the visitors waiting (after any ACD change on the chat channel). */
  async refreshPositions(): Promise<void> {
    for (const conv of await store.queuedConversations(this.#db)) {
      if (!conv.contactId) continue;
      const p = await this.#engine.position(conv.contactId).catch(() => undefined);
      if (p?.position) this.notifier.toVisitor(conv.visitorId, 'queue', { conversationId: conv.id, position: p.position, estimatedWaitSeconds: p.estimatedWaitSeconds });
    }
  }

  async #onTimer(t: DueTimer): Promise<void> {
    const extra = this.extraTimers.get(t.kind);
    if (extra) return extra(t);
    const s = this.settings.timers;
    switch (t.kind) {
      case 'queue_timeout': {
        const conv = await store.getConversation(this.#db, t.subject);
        if (conv?.state !== 'queued') return;
        await this.#noAgent(conv, pick(s.queueTimeout, conv.language), 'queue_timeout').then(() => this.#db.query("UPDATE chat_conversations SET end_reason = 'queue_timeout' WHERE id = $1", [conv.id]));
        return;
      }
      case 'visitor_idle_warn': {
        const conv = await store.getConversation(this.#db, t.subject);
        if (conv?.state !== 'active') return;
        await this.#system(conv, pick(s.visitorIdleWarn, conv.language));
        if (s.visitorIdleClose.enabled) await this.timers.set(`c:${conv.id}:idle`, 'visitor_idle_close', conv.id, s.visitorIdleClose.seconds * 1000);
        return;
      }
      case 'visitor_idle_close': {
        const conv = await store.getConversation(this.#db, t.subject);
        if (conv?.state !== 'active') return;
        await this.#system(conv, pick(s.visitorIdleClose, conv.language));
        await this.#end(conv, 'visitor_idle', { silent: true });
        return;
      }
      case 'agent_reply': {
        const conv = await store.getConversation(this.#db, t.subject);
        if (conv?.state === 'active') await this.#system(conv, pick(s.agentReply, conv.language));
        return;
      }
      case 'visitor_gone': {
        if (await this.notifier.visitorOnline(t.subject)) return;
        const conv = await store.openConversationOf(this.#db, t.subject);
        if (conv) await this.#end(conv, 'visitor_left');
        return;
      }
      default:
        this.#log.warn({ timer: t }, 'unknown chat timer');
    }
  }
}
