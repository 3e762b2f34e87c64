import type { AgentRoutingSettings } from './policy/capacity';
import type { Presence, PresenceState } from './policy/presence';
import type { OverflowDestination, RoutingRule } from './policy/rules';
import type { GroupStrategy } from './policy/strategies';
import type { AttributeValue, Channel, Target } from './policy/types';

/**
 * The engine's ports: what it needs from live state (Redis), the system of record
 * (Postgres) and the message bus (realtime hub). Adapters implement them; the
 * engine never imports ioredis or pg.
 */

/** Global ACD settings (one row, admin-managed). Seconds may be fractional. */
export interface RoutingSettings {
  offerTimeoutVoiceSeconds: number;
  offerTimeoutChatSeconds: number;
  wrapUpSeconds: number;
  /** Offers an agent may have outstanding at once (seed 002 burst cap on becoming ready). */
  maxOffersAtOnce: number;
  /** Consecutive missed offers before a ready agent goes not_ready("missed"); 0 = never. */
  missedOffersBeforeNotReady: number;
}

export const DEFAULT_SETTINGS: RoutingSettings = { offerTimeoutVoiceSeconds: 20, offerTimeoutChatSeconds: 30, wrapUpSeconds: 10, maxOffersAtOnce: 2, missedOffersBeforeNotReady: 3 };

export interface NotReadyReason {
  code: string;
  name: string;
  builtin: boolean;
  enabled: boolean;
}

export interface RoutingConfig {
  settings: RoutingSettings;
  rules: RoutingRule[];
  /** By skill group id; groups without a row use DEFAULT_STRATEGY. */
  strategies: Map<string, GroupStrategy>;
  reasons: NotReadyReason[];
}

/** One agent as the ACD needs it from the records: who they are, their settings and queues. */
export interface AgentSetup {
  agentId: string;
  displayName: string;
  enabled: boolean;
  settings: AgentRoutingSettings;
  groups: { groupId: string; level: number }[];
}

/** A live agent as Redis holds it. */
export interface LiveAgent {
  agentId: string;
  presence: Presence;
  ver: number;
  capacity: { voice: number; chat: number; callBlocksChat: boolean };
  voiceRegistered: boolean;
  load: { voice: number; chat: number; pendingOffers: number };
  idleSince: number;
  misses: number;
  targets: Map<string, number>;
}

export interface ContactRecord {
  id: string;
  channel: Channel;
  target: Target;
  priority: number;
  enqueuedAt: number;
  customerId: string | null;
  owner: string | null;
  entry: { serviceNumber?: string; site?: string } | null;
  navigation: string | null;
  attributes: Record<string, AttributeValue>;
  ruleId: string | null;
}

/** One assignment decision: a slot of the agent reserved for the contact until the deadline. */
export interface OfferDecision {
  offerId: string;
  contactId: string;
  agentId: string;
  channel: Channel;
  target: string;
  customerId: string | null;
  owner: string | null;
  enqueuedAt: number;
  deadline: number;
  seq: number;
}

/** What a step that can free a slot or queue a contact offered on the way. */
export interface Dispatched {
  offers: OfferDecision[];
  /** The step stopped at its bound with more to offer: dispatch the same trigger again. */
  more: boolean;
}

/** What such a step needs: the time, a seed for the random strategy, a fresh UUID its offer ids derive from, and the most offers it may make. */
export interface DispatchInput {
  now: number;
  seed: number;
  uuid: string;
  bound: number;
}

export type DispatchTrigger = { queue: { target: string; channel: Channel } } | { agent: string };

export interface ReleasedOffer {
  offerId: string;
  contactId: string;
  agentId: string;
  channel: Channel;
  target: string;
  seq: number;
  /** Set when the release paused the agent (missed too many). */
  pausedAs: 'missed' | null;
  /** The agent became available somewhere: worth looking for work for them. */
  freed: boolean;
}

export interface QueueInfo {
  waiting: number;
  oldestEnqueuedAt: number | null;
  loggedIn: number;
  ready: number;
  slots: number;
  handled: number;
  handleMs: number;
  contactState: 'queued' | 'offered' | 'active' | null;
  /** 0-based rank of the asked contact, when it waits here. */
  rank: number | null;
}

export interface LiveState {
  setAgent(agentId: string, now: number, capacity: { voice: number; chat: number; callBlocksChat: boolean }, voiceRegistered: boolean, targets: Map<string, number>): Promise<void>;
  getAgent(agentId: string): Promise<LiveAgent | undefined>;
  getAgents(agentIds: string[]): Promise<LiveAgent[]>;
  listAgentIds(): Promise<string[]>;
  listTargets(): Promise<string[]>;
  setPresence(agentId: string, expectedVer: number, next: Presence, now: number): Promise<{ ok: true; ver: number; freed: boolean } | { ok: false; reason: 'conflict' | 'missing' }>;
  /** The settings and strategies the decisions inside live state use. */
  setConfig(config: RoutingConfig): Promise<void>;
  /** Queues the contact and offers what can be offered now. */
  enqueue(c: { id: string; target: string; channel: Channel; score: number; enqueuedAt: number; priority: number; customerId: string | null; owner: string | null; waitOverflow?: { deadline: number; to: OverflowDestination } }, d: DispatchInput): Promise<{ ok: true; info: QueueInfo; dispatched: Dispatched } | { ok: false }>;
  /** Offers what can be offered now in a queue, or to an agent who may have a free slot. */
  dispatch(trigger: DispatchTrigger, d: DispatchInput): Promise<Dispatched>;
  accept(offerId: string, d: DispatchInput, returningTtlSeconds: number, byAgent?: string): Promise<{ ok: true; contactId: string; agentId: string; channel: Channel; target: string; seq: number; enqueuedAt: number; dispatched: Dispatched } | { ok: false; reason: 'gone' | 'expired' | 'not_yours' }>;
  release(offerId: string, d: DispatchInput, mode: 'reject' | 'timeout', autopause: number, byAgent?: string): Promise<{ ok: true; released: ReleasedOffer; dispatched: Dispatched } | { ok: false; reason: 'gone' | 'not_yours' }>;
  expireOffers(now: number, limit: number, autopause: number): Promise<ReleasedOffer[]>;
  complete(contactId: string, d: DispatchInput, wrapUpSeconds: number): Promise<{ ok: true; agentId: string; channel: Channel; target: string; enqueuedAt: number; acceptedAt: number; seq: number; wrapUntil: number | null; dispatched: Dispatched } | { ok: false; reason: 'gone' | 'not_active' }>;
  abandon(contactId: string, now: number): Promise<{ ok: true; stateBefore: 'queued' | 'offered'; agentId: string | null; offerId: string | null; channel: Channel; target: string; enqueuedAt: number; seq: number } | { ok: false; reason: 'gone' | 'active' }>;
  endWrapUps(now: number, limit: number): Promise<{ agentId: string; ver: number }[]>;
  dueWaitOverflows(now: number, limit: number): Promise<{ contactId: string; target: string; channel: Channel; to: OverflowDestination | null }[]>;
  move(contactId: string, fromTarget: string, toTarget: string | null): Promise<{ ok: true; enqueuedAt: number; seq: number } | { ok: false }>;
  queueInfo(target: string, channel: Channel, contactId?: string): Promise<QueueInfo>;
  contactLocation(contactId: string): Promise<{ state: 'queued' | 'offered' | 'active'; target: string; channel: Channel; enqueuedAt: number; agentId: string | null; offerId: string | null } | undefined>;
  restoreActive(c: { id: string; agentId: string; channel: Channel; target: string; enqueuedAt: number; acceptedAt: number; customerId: string | null; owner: string | null }): Promise<void>;
  setLastServed(customerId: string, agentId: string, at: number, ttlSeconds: number): Promise<void>;
  /** Live state exists (false after Redis lost it): see rebuild. */
  isBuilt(): Promise<boolean>;
  markBuilt(): Promise<void>;
  /** A lock so only one process rebuilds; true when taken. */
  lockRebuild(owner: string, ttlMs: number): Promise<boolean>;
  unlockRebuild(owner: string): Promise<void>;
  /** Removes all ACD keys (before a rebuild). */
  wipe(): Promise<void>;
}

export interface PresenceRecord {
  agentId: string;
  presence: Presence;
  cause: string;
}

/** The system of record. Every method is one statement or one transaction. */
export interface RoutingStore {
  loadConfig(): Promise<RoutingConfig>;
  loadAgentSetups(agentIds?: string[]): Promise<AgentSetup[]>;
  saveAgentSettings(agentId: string, patch: Partial<Pick<AgentRoutingSettings, 'chatCapacitySelf' | 'callBlocksChat'>>): Promise<void>;
  recordPresence(rec: PresenceRecord): Promise<void>;
  loadPresences(): Promise<Map<string, Presence>>;
  insertContact(c: ContactRecord): Promise<void>;
  markAccepted(contactId: string, agentId: string, at: number): Promise<void>;
  markEnded(contactId: string, at: number, handleMs: number): Promise<void>;
  markAbandoned(contactId: string, at: number, waitMs: number, stateBefore: string): Promise<void>;
  markOverflowed(contactId: string, at: number, to: OverflowDestination, reason: string, waitMs: number): Promise<void>;
  moveContact(contactId: string, to: Target): Promise<void>;
  /** Contacts not yet ended, for a rebuild. */
  loadOpenContacts(): Promise<(ContactRecord & { status: 'queued' | 'active'; agentId: string | null; acceptedAt: number | null })[]>;
  /** The last agent per customer served since `since` (ms). */
  loadLastServed(since: number): Promise<{ customerId: string; agentId: string; at: number }[]>;
}

/** Publish/subscribe across server processes (the realtime hub). */
export interface Bus {
  publish(topics: string | string[], event: object): void;
  subscribe(topic: string, handler: (event: unknown) => void): () => void;
}

export type { PresenceState };
