import { InvalidStateError } from '../../platform/errors';

/**
 * Agent presence: one guarded transition() decides every move, whether an agent,
 * a supervisor or the system (wrap-up timer, missed offers) asks for it.
 *
 *                    set ready
 *        ┌──────────────────────────────────┐
 *        │                                  ▼
 *    ┌─────────┐   set not_ready(r)   ┌───────────┐  missed N offers
 *    │ offline │ ───────────────────▶ │ not_ready │ ◀──────────────────┐
 *    └─────────┘ ◀─────────────────── └───────────┘                    │
 *        ▲ ▲          set offline       │  ▲   set ready / not_ready    │
 *        │ │                  set ready ▼  │                           │
 *        │ │ set offline            ┌───────┐                          │
 *        │ └─────────────────────── │ ready │ ─────────────────────────┘
 *        │                          └───────┘
 *        │ set offline        voice contact │ ▲ wrap-up elapsed /
 *        │                    ends (wrap>0) ▼ │ set ready
 *        │                          ┌─────────┐
 *        └───────────────────────── │ wrap_up │ ── set not_ready ─▶ not_ready
 *                                   └─────────┘
 *
 * Presence says whether the agent *wants* work; capacity (policy/capacity.ts)
 * says whether a slot is free. Active contacts survive any presence change: an
 * agent who pauses mid-call keeps the call.
 */
export type PresenceState = 'offline' | 'ready' | 'not_ready' | 'wrap_up';
export const PRESENCE_STATES: readonly PresenceState[] = ['offline', 'ready', 'not_ready', 'wrap_up'];

export interface Presence {
  state: PresenceState;
  /** The not-ready reason code (busy, break, missed, or admin-defined); null otherwise. */
  reason: string | null;
  /** When this state began (ms since epoch). */
  since: number;
  /** When wrap-up ends on its own (ms); null unless wrap_up. */
  wrapUntil: number | null;
}

/** Reason codes the system uses itself; admins add their own beside them. */
export const SYSTEM_REASONS = { busy: 'busy', break: 'break', missed: 'missed' } as const;

/** What asks for a change, and why. Commands come from people; the rest from the engine. */
export type PresenceEvent =
  | { kind: 'set'; state: 'ready' | 'offline' }
  | { kind: 'set'; state: 'not_ready'; reason: string }
  | { kind: 'voice_contact_ended'; wrapUpSeconds: number }
  | { kind: 'wrap_up_elapsed' }
  | { kind: 'missed_offers'; misses: number; threshold: number };

export const INITIAL_PRESENCE: Presence = { state: 'offline', reason: null, since: 0, wrapUntil: null };

/**
 * The next presence for an event, or the same object when the event changes nothing
 * (repeating a command is harmless). Illegal moves throw InvalidStateError: a
 * not_ready without a reason, with an unknown one (when `guard.reasons` is given),
 * or a person claiming the system's "missed".
 */
export function transition(current: Presence, event: PresenceEvent, now: number, guard: { reasons?: ReadonlySet<string> } = {}): Presence {
  const to = (state: PresenceState, reason: string | null = null, wrapUntil: number | null = null): Presence => ({ state, reason, since: now, wrapUntil });
  switch (event.kind) {
    case 'set': {
      if (event.state === 'not_ready') {
        if (!event.reason) throw new InvalidStateError('not_ready needs a reason');
        if (current.state === 'not_ready' && current.reason === event.reason) return current;
        // "missed" is the engine's verdict, not something a person claims.
        if (event.reason === SYSTEM_REASONS.missed) throw new InvalidStateError('the "missed" reason is set by the system only');
        if (guard.reasons && !guard.reasons.has(event.reason)) throw new InvalidStateError(`unknown or disabled not-ready reason "${event.reason}"`);
        return to('not_ready', event.reason);
      }
      if (current.state === event.state) return current;
      return to(event.state);
    }
    case 'voice_contact_ended':
      // Only a ready agent starts after-call work; one who paused or logged out mid-call stays so.
      if (current.state !== 'ready' || event.wrapUpSeconds <= 0) return current;
      return to('wrap_up', null, now + event.wrapUpSeconds * 1000);
    case 'wrap_up_elapsed':
      if (current.state !== 'wrap_up') return current;
      return to('ready');
    case 'missed_offers':
      if (current.state !== 'ready' || event.threshold <= 0 || event.misses < event.threshold) return current;
      return to('not_ready', SYSTEM_REASONS.missed);
  }
}

/** Only a ready agent is offered new contacts. */
export function acceptsOffers(p: Presence): boolean {
  return p.state === 'ready';
}
