import { InvalidStateError } from '../../platform/errors';

/**
 * A web-chat conversation. Pure: the service applies the result to Postgres with a
 * guarded UPDATE (… WHERE state = from), so two processes cannot both move it.
 *
 *   start ─▶ navigating ──pick topic──▶ queued ──assigned (ACD offer)──▶ active ──end──▶ ended
 *               │                        │  ▲                              │  │
 *               │ (no menu: straight on) │  └──── requeue (agent gone, ────┘  └─ reassign (transfer
 *               │                        │        transfer to a group)            to an agent): active
 *               └────────────────────────┴── visitor left / queue timeout / blacklisted ─▶ ended
 *
 * Rating and wrap-up happen after `ended` and have their own small rules
 * (rating.ts, wrapup.ts); they do not move the conversation.
 */
export type ConversationState = 'navigating' | 'queued' | 'active' | 'ended';

export type ConversationEvent =
  | { kind: 'queue' }
  | { kind: 'assign'; agentId: string }
  | { kind: 'requeue'; reason: 'agent_gone' | 'transfer_group' }
  /** A waiting conversation moves to another queue (an agent claims it). */
  | { kind: 'reroute' }
  | { kind: 'reassign'; agentId: string }
  | { kind: 'end'; reason: EndReason };

export type EndReason = 'agent' | 'visitor' | 'visitor_left' | 'visitor_idle' | 'queue_timeout' | 'no_agent' | 'blacklisted' | 'closed';

export interface ConversationSnapshot {
  state: ConversationState;
  agentId: string | null;
}

const ALLOWED: Record<ConversationEvent['kind'], readonly ConversationState[]> = {
  queue: ['navigating'],
  assign: ['queued'],
  requeue: ['active'],
  reroute: ['queued'],
  reassign: ['active'],
  end: ['navigating', 'queued', 'active'],
};

/** The one guarded transition: returns the next snapshot or throws InvalidStateError. */
export function transition(from: ConversationSnapshot, event: ConversationEvent): ConversationSnapshot {
  if (!ALLOWED[event.kind].includes(from.state)) throw new InvalidStateError(`A ${from.state} conversation cannot ${event.kind}`);
  switch (event.kind) {
    case 'queue':
      return { state: 'queued', agentId: null };
    case 'assign':
    case 'reassign':
      return { state: 'active', agentId: event.agentId };
    case 'requeue':
    case 'reroute':
      return { state: 'queued', agentId: null };
    case 'end':
      return { state: 'ended', agentId: from.agentId };
  }
}

/** States a guarded UPDATE may start from for this event. */
export function fromStates(kind: ConversationEvent['kind']): readonly ConversationState[] {
  return ALLOWED[kind];
}

/** ACD contact ids are one per routing leg, so a requeued conversation is a new contact with its own wait record. */
export function contactIdOf(conversationId: string, leg: number): string {
  return `${conversationId}:${leg}`;
}

export function conversationOfContact(contactId: string): { conversationId: string; leg: number } | undefined {
  const m = /^([0-9a-f-]{36}):(\d+)$/.exec(contactId);
  return m ? { conversationId: m[1]!, leg: Number(m[2]) } : undefined;
}
