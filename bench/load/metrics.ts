/**
 * The phone-side figures of one step, from a Timeline (pure: no I/O, unit-testable).
 *
 * - bridged: callers with an agent call answered while the caller was still there.
 * - abandoned: answered by the switch (queued) but never bridged; split into callers who
 *   gave up (their patience ran out) and callers the system hung up on unbridged.
 * - failed: refused with a SIP error (an outcome, e.g. admission control's 503) or never
 *   answered at all (no final response before patience: the caller CANCELs).
 * - caller INVITE → agent INVITE: to the first offer for that caller.
 * - agent free → next offer: from the end of an agent's call to the next INVITE to that
 *   agent, counted only when, at that moment, more callers were waiting with no offer yet
 *   than other agents were idle (the queue was backed up, so this agent had a caller to
 *   take). Otherwise the gap measures arrivals or the strategy, not turnover.
 * - double bridges: callers answered by two agents or more.
 * - overlapping agents: agents with two calls whose [INVITE, end] intervals overlap.
 */
import type { AgentCall, CallerCall, Timeline } from './timeline';

export interface PhoneMetrics {
  placed: number;
  bridged: number;
  abandoned: number;
  abandoned_gave_up: number;
  abandoned_system_hangup: number;
  failed: number;
  refused: number;
  unanswered: number;
  /** Callers or agent calls with no end in the logs (still up when the bench stopped looking). */
  open_sip_calls: number;
  invite_to_agent_ms: Pct3;
  agent_free_to_offer_ms: Pct2 & { samples: number };
  double_bridges: number;
  overlapping_agents: number;
  /** Agent INVITEs that no caller of this run explains (From user unknown). */
  offers_without_caller: number;
}
export interface Pct3 {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
export interface Pct2 {
  p50: number | null;
  p95: number | null;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
}

/** An agent call that was a conversation: answered before the caller left. */
function bridgedWith(a: AgentCall, caller: CallerCall | undefined): boolean {
  if (a.answered === undefined || a.cancelled) return false;
  return caller === undefined || caller.ended === undefined || a.answered <= caller.ended;
}

/** One agent turnover counted in agent_free_to_offer_ms: the call that ended and the next offer. */
export interface TurnoverSample {
  agent: string;
  endedAt: number;
  next: AgentCall;
}

export function phoneMetrics(t: Timeline): PhoneMetrics {
  return analyse(t).metrics;
}

export function turnoverSamples(t: Timeline): TurnoverSample[] {
  return analyse(t).samples;
}

function analyse(t: Timeline): { metrics: PhoneMetrics; samples: TurnoverSample[] } {
  const byNumber = new Map(t.callers.map((c) => [c.number, c]));
  const offers = new Map<string, AgentCall[]>();
  let offersWithoutCaller = 0;
  for (const a of t.agentCalls) {
    if (!a.caller || !byNumber.has(a.caller)) {
      offersWithoutCaller++;
      continue;
    }
    const list = offers.get(a.caller) ?? [];
    list.push(a);
    offers.set(a.caller, list);
  }

  let bridged = 0;
  let gaveUp = 0;
  let systemHangup = 0;
  let refused = 0;
  let unanswered = 0;
  let doubles = 0;
  let open = 0;
  const firstOffer: number[] = [];
  const firstOfferAt = new Map<string, number>();
  /** When each caller stopped waiting: its first bridge, or its end. */
  const waitEnd = new Map<string, number>();
  for (const c of t.callers) {
    const mine = (offers.get(c.number) ?? []).sort((x, y) => x.invite - y.invite);
    if (mine[0]) {
      firstOffer.push(mine[0].invite - c.invite);
      firstOfferAt.set(c.number, mine[0].invite);
    }
    const talks = mine.filter((a) => bridgedWith(a, c));
    if (talks.length > 1) doubles++;
    if (c.ended === undefined && c.refused === undefined) open++;
    if (talks.length > 0) bridged++;
    else if (c.refused !== undefined) refused++;
    else if (c.answered === undefined) unanswered++;
    else if (c.endedBy === 'far') systemHangup++;
    else gaveUp++;
    const bridgeAt = talks[0]?.answered;
    waitEnd.set(c.number, bridgeAt ?? c.ended ?? c.invite);
  }
  open += t.agentCalls.filter((a) => a.ended === undefined).length;

  // Agents: overlaps, and the gap from a call's end to the next offer while someone waited.
  const perAgent = new Map<string, AgentCall[]>();
  for (const a of t.agentCalls) {
    const list = perAgent.get(a.agent) ?? [];
    list.push(a);
    perAgent.set(a.agent, list);
  }
  // A caller waits unoffered from the switch's answer to its first offer (or its end).
  const waiting = t.callers
    .filter((c) => c.answered !== undefined)
    .map((c) => [c.answered!, Math.min(waitEnd.get(c.number)!, firstOfferAt.get(c.number) ?? Infinity)] as const)
    .sort((x, y) => x[0] - y[0]);
  const idleOthers = (at: number, agent: string): number => {
    let n = 0;
    for (const [name, calls] of perAgent) if (name !== agent && !calls.some((a) => a.invite <= at && (a.ended ?? Infinity) > at)) n++;
    return n;
  };
  const waitingAt = (at: number): number => {
    let n = 0;
    for (const [from, to] of waiting) {
      if (from > at) break;
      if (to > at) n++;
    }
    return n;
  };
  let overlapping = 0;
  const gaps: number[] = [];
  const samples: TurnoverSample[] = [];
  for (const calls of perAgent.values()) {
    calls.sort((x, y) => x.invite - y.invite);
    let overlap = false;
    let busyUntil = -Infinity;
    for (let i = 0; i < calls.length; i++) {
      const a = calls[i]!;
      if (a.invite < busyUntil) overlap = true;
      busyUntil = Math.max(busyUntil, a.ended ?? Infinity);
      const next = calls[i + 1];
      if (next && a.ended !== undefined && next.invite >= a.ended && waitingAt(a.ended) > idleOthers(a.ended, a.agent)) {
        gaps.push(next.invite - a.ended);
        samples.push({ agent: a.agent, endedAt: a.ended, next });
      }
    }
    if (overlap) overlapping++;
  }

  const sortedOffer = firstOffer.sort((x, y) => x - y);
  const sortedGaps = gaps.sort((x, y) => x - y);
  const metrics: PhoneMetrics = {
    placed: t.callers.length,
    bridged,
    abandoned: gaveUp + systemHangup,
    abandoned_gave_up: gaveUp,
    abandoned_system_hangup: systemHangup,
    failed: refused + unanswered,
    refused,
    unanswered,
    open_sip_calls: open,
    invite_to_agent_ms: { p50: percentile(sortedOffer, 50), p95: percentile(sortedOffer, 95), p99: percentile(sortedOffer, 99) },
    agent_free_to_offer_ms: { p50: percentile(sortedGaps, 50), p95: percentile(sortedGaps, 95), samples: sortedGaps.length },
    double_bridges: doubles,
    overlapping_agents: overlapping,
    offers_without_caller: offersWithoutCaller,
  };
  return { metrics, samples };
}
