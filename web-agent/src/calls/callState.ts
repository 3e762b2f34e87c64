/**
 * The agent's calls as the bar shows them, folded from realtime events (pure: no I/O,
 * so the same events always give the same bar). The server is the source of truth; the
 * bar only mirrors what the contract tells this agent.
 */
import type { AgentEvents, CallEvent } from '@contract';

export type CallPhase = 'ringing' | 'dialing' | 'talking' | 'held' | 'consulting' | 'conference' | 'ended';

export interface LiveCall {
  callId: string;
  direction: 'inbound' | 'outbound';
  phase: CallPhase;
  offerId: string | null;
  /** The offer's ring deadline (ms since the epoch). */
  deadline: number | null;
  caller: string | null;
  serviceNumber: string | null;
  skillGroupId: string | null;
  ringingAt: number;
  answeredAt: number | null;
  heldAt: number | null;
  endedAt: number | null;
  consult: { state: 'ringing' | 'answered'; legUuid: string | null } | null;
  /** Transferred to this agent by a colleague. */
  transferred: boolean;
}

export interface CallsState {
  /** Newest first. */
  calls: LiveCall[];
}

export const initialCalls: CallsState = { calls: [] };

export type CallAction =
  | { kind: 'offered'; e: AgentEvents['contact.offered'] }
  | { kind: 'offer_gone'; contactId: string }
  | { kind: 'completed'; contactId: string; at: number }
  | { kind: 'call'; e: CallEvent }
  | { kind: 'dialing'; callId: string; number: string; serviceNumber: string | null; at: number }
  | { kind: 'dismiss'; callId: string };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function blank(callId: string, at: number): LiveCall {
  return { callId, direction: 'inbound', phase: 'ringing', offerId: null, deadline: null, caller: null, serviceNumber: null, skillGroupId: null, ringingAt: at, answeredAt: null, heldAt: null, endedAt: null, consult: null, transferred: false };
}

function upsert(s: CallsState, callId: string, at: number, fn: (c: LiveCall) => LiveCall): CallsState {
  const i = s.calls.findIndex((c) => c.callId === callId);
  if (i < 0) return { calls: [fn(blank(callId, at)), ...s.calls.filter((c) => c.phase !== 'ended')] };
  const calls = s.calls.slice();
  calls[i] = fn(calls[i]!);
  return { calls };
}

function update(s: CallsState, callId: string, fn: (c: LiveCall) => LiveCall): CallsState {
  if (!s.calls.some((c) => c.callId === callId)) return s;
  return { calls: s.calls.map((c) => (c.callId === callId ? fn(c) : c)) };
}

const end = (at: number) => (c: LiveCall): LiveCall => (c.phase === 'ended' ? c : { ...c, phase: 'ended', endedAt: at, consult: null });

export function callsReducer(s: CallsState, a: CallAction): CallsState {
  switch (a.kind) {
    case 'offered':
      if (a.e.channel !== 'voice') return s;
      // For a call, the ACD contact is the call (its id is the call's id).
      return upsert(s, a.e.contactId, a.e.at, (c) => ({ ...c, phase: 'ringing', offerId: a.e.offerId, deadline: a.e.deadline, skillGroupId: a.e.target.kind === 'group' ? a.e.target.id : c.skillGroupId }));
    case 'offer_gone':
      // Timed out, declined or the caller left while it rang: the offer moves on; nothing to keep.
      return { calls: s.calls.filter((c) => !(c.callId === a.contactId && c.phase === 'ringing')) };
    case 'completed':
      return update(s, a.contactId, end(a.at));
    case 'dialing':
      return upsert(s, a.callId, a.at, (c) => ({ ...c, direction: 'outbound', phase: c.phase === 'ringing' ? 'dialing' : c.phase, caller: a.number, serviceNumber: a.serviceNumber }));
    case 'dismiss':
      return { calls: s.calls.filter((c) => c.callId !== a.callId) };
    case 'call':
      return onCallEvent(s, a.e);
  }
}

function onCallEvent(s: CallsState, e: CallEvent): CallsState {
  const d = e.data;
  switch (e.type) {
    case 'call.ringing':
      if (d.state === 'failed') return s; // that leg failed; the offer's outcome event follows
      return upsert(s, e.callId, e.at, (c) => ({
        ...c,
        direction: d.direction === 'outbound' ? 'outbound' : c.direction,
        phase: d.direction === 'outbound' ? 'dialing' : c.phase === 'ended' ? 'ringing' : c.phase,
        caller: str(d.caller) ?? str(d.number) ?? c.caller,
        serviceNumber: str(d.serviceNumber) ?? c.serviceNumber,
        skillGroupId: str(d.skillGroupId) ?? c.skillGroupId,
        transferred: d.transfer === true || c.transferred,
      }));
    case 'call.answered':
      return update(s, e.callId, (c) => ({ ...c, phase: 'talking', answeredAt: c.answeredAt ?? e.at }));
    case 'call.held':
      return update(s, e.callId, (c) => (c.phase === 'consulting' ? c : { ...c, phase: 'held', heldAt: e.at }));
    case 'call.resumed':
      return update(s, e.callId, (c) => ({ ...c, phase: 'talking', heldAt: null }));
    case 'call.consult': {
      const state = d.state;
      if (state === 'ringing' || state === 'answered') return update(s, e.callId, (c) => ({ ...c, phase: 'consulting', heldAt: c.heldAt ?? e.at, consult: { state, legUuid: str(d.legUuid) } }));
      // cancelled: back to the caller; failed: the caller is still held.
      return update(s, e.callId, (c) => ({ ...c, phase: state === 'cancelled' ? 'talking' : 'held', heldAt: state === 'cancelled' ? null : c.heldAt, consult: null }));
    }
    case 'call.conference':
      return update(s, e.callId, (c) => ({ ...c, phase: 'conference', heldAt: null, consult: null }));
    case 'call.agent_left':
    case 'call.ended':
      return update(s, e.callId, end(e.at));
    default:
      return s;
  }
}

/** The call the bar acts on: the newest one still going, else the newest ended one (for its tags and notes). */
export function currentCall(s: CallsState): LiveCall | null {
  return s.calls.find((c) => c.phase !== 'ended') ?? s.calls[0] ?? null;
}
