import { ROOMS, type RoutingEvents as RoutingEventsOnTheWire } from '../realtime/contract';
import type { Presence } from './policy/presence';
import type { OverflowDestination } from './policy/rules';
import type { Channel, Target } from './policy/types';

/**
 * What the ACD tells the rest of Hotline. Every event travels through the realtime
 * hub, so each server process sees every event (engine.events), agents see their
 * own in the agent channel's room `agent:<id>`, supervisors all of them in `supervisor`
 * (server/realtime/contract.ts: what browsers receive). `seq` orders
 * events across processes (one Redis counter); `at` is ms since the epoch.
 */
export interface OfferEvent {
  type: 'contact.offered';
  offerId: string;
  contactId: string;
  agentId: string;
  channel: Channel;
  target: Target;
  customerId: string | null;
  /** The process that owns the contact (e.g. holds the call's ESL socket); null = any. */
  owner: string | null;
  /** The process that made the decision; it handles the offer when owner is null. */
  decidedBy: string;
  /** Ring / accept deadline, ms. */
  deadline: number;
  enqueuedAt: number;
  seq: number;
  at: number;
}

interface OfferOutcome {
  offerId: string;
  contactId: string;
  agentId: string;
  channel: Channel;
  seq: number;
  at: number;
}

export type RoutingEvent =
  | { type: 'contact.queued'; contactId: string; channel: Channel; target: Target; priority: number; position: number; at: number }
  | OfferEvent
  | ({ type: 'offer.accepted'; waitMs: number } & OfferOutcome)
  | ({ type: 'offer.rejected' } & OfferOutcome)
  | ({ type: 'offer.timed_out' } & OfferOutcome)
  /** The contact left (abandoned) while this offer was ringing. */
  | ({ type: 'offer.cancelled' } & OfferOutcome)
  | { type: 'contact.completed'; contactId: string; agentId: string; channel: Channel; handleMs: number; seq: number; at: number }
  | { type: 'contact.abandoned'; contactId: string; channel: Channel; target: Target; waitMs: number; while: 'queued' | 'offered'; seq: number; at: number }
  /** The contact moved to another target, or left the ACD (voicemail, flow node): its owner takes it from here. */
  | { type: 'contact.overflowed'; contactId: string; channel: Channel; from: Target; to: OverflowDestination; reason: string; owner: string | null; at: number }
  | { type: 'agent.presence'; agentId: string; presence: Presence; cause: string; at: number }
  | { type: 'agent.updated'; agentId: string; capacity: { voice: number; chat: number; callBlocksChat: boolean }; voiceRegistered: boolean; at: number };

export type RoutingEventType = RoutingEvent['type'];
export type EventOf<T extends RoutingEventType> = Extract<RoutingEvent, { type: T }>;

/** Compile-time: browsers get every routing event in the shape the shared contract promises (fails typecheck otherwise). */
export type RoutingEventsFitContract = AssertTrue<{ [T in RoutingEventType]: EventOf<T> extends RoutingEventsOnTheWire[T] ? true : false }[RoutingEventType]>;
type AssertTrue<T extends true> = T;

/** engine.events: one listener signature per event type. */
export type RoutingEvents = { [T in RoutingEventType]: [EventOf<T>] };

/**
 * Where offers go to be delivered: the calls module originates the agent leg and
 * calls accept() when it is answered (reject() when it fails); the chat module
 * pushes the offer to the agent's workspace. Called once per offer, on the process
 * named by owner ?? decidedBy. Throwing rejects the offer.
 */
export interface OfferSink {
  offer(o: OfferEvent): void | Promise<void>;
}

/**
 * Thrown by an OfferSink when the offer's contact has nothing behind it any more (the call
 * or conversation is gone from the process that owns it). The ACD then abandons the
 * contact instead of rejecting the offer: a rejection would offer it again, for ever.
 */
export class ContactGoneError extends Error {
  constructor(readonly contactId: string, why: string) {
    super(`contact ${contactId}: ${why}`);
    this.name = 'ContactGoneError';
  }
}

/** Monitoring hooks, apart from control events: one per assignment decision. */
export interface MonitorEvents {
  /** ms: from sending the step that made the decision (a contact queued, a slot freed) to its answer. */
  decision: [{ contactId: string; agentId: string; target: string; channel: Channel; ms: number }];
}

/** Topics on the realtime hub; `supervisor` and `agent:<id>` are also the agent channel's rooms. */
export const TOPICS = {
  /** Every routing event, for server processes (not for browsers). */
  internal: 'routing',
  /** Config changed: every process reloads rules/strategies/settings. */
  config: 'routing.config',
  supervisor: ROOMS.supervisor,
  agent: ROOMS.agent,
} as const;
