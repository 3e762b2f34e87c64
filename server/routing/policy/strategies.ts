/**
 * Who gets the contact at the head of a queue. The adapter supplies every agent
 * who could take it right now (ready, with a free slot); these functions only
 * order them. The claim that follows is atomic, so a stale candidate costs a
 * retry, never a double assignment.
 */
export type StrategyKind = 'longest_idle' | 'least_busy' | 'round_robin' | 'skill_level' | 'random';
export const STRATEGY_KINDS: readonly StrategyKind[] = ['longest_idle', 'least_busy', 'round_robin', 'skill_level', 'random'];

export interface GroupStrategy {
  kind: StrategyKind;
  /** Offer a returning customer to the agent who last served them, if that agent can take it now. */
  returningCustomerFirst: boolean;
  /** How far back "last served" counts. */
  returningWindowSeconds: number;
}

export const DEFAULT_STRATEGY: GroupStrategy = { kind: 'longest_idle', returningCustomerFirst: false, returningWindowSeconds: 7 * 24 * 3600 };

export interface AgentCandidate {
  agentId: string;
  /** Skill level in this queue's group, 1..10 (personal queues count as 10). */
  level: number;
  /** When the agent last became free (ready, or load back to zero), ms. */
  idleSince: number;
  /** Contacts held or reserved now, all channels. */
  load: number;
  /** The queue's offer sequence number when this agent last got an offer from it (0 = never). */
  lastOfferSeq: number;
}

export interface RankContext {
  /** Who served this customer last, and when (ms). */
  lastServed?: { agentId: string; at: number };
  /** Agents who already timed out on or rejected this contact: tried last. */
  tried?: ReadonlySet<string>;
  now: number;
  /** Uniform in [0,1); injected so "random" is testable. */
  random: () => number;
}

type Compare = (a: AgentCandidate, b: AgentCandidate) => number;

const byId: Compare = (a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);
const then =
  (...cs: Compare[]): Compare =>
  (a, b) => {
    for (const c of cs) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  };
// An agent already busy with chats is not "idle", however long ago they last became free.
const idleFirst: Compare = (a, b) => Number(a.load > 0) - Number(b.load > 0);
const longestIdle: Compare = (a, b) => a.idleSince - b.idleSince;

const ORDER: Record<Exclude<StrategyKind, 'random'>, Compare> = {
  longest_idle: then(idleFirst, longestIdle, byId),
  least_busy: then((a, b) => a.load - b.load, longestIdle, byId),
  // Least recently offered from this queue first: a rotation that survives agents coming and going.
  round_robin: then((a, b) => a.lastOfferSeq - b.lastOfferSeq, byId),
  skill_level: then((a, b) => b.level - a.level, idleFirst, longestIdle, byId),
};

/** Candidates in the order to try them. Never drops anyone: tried agents just go last. */
export function rankAgents(strategy: GroupStrategy, candidates: readonly AgentCandidate[], ctx: RankContext): AgentCandidate[] {
  let ranked: AgentCandidate[];
  if (strategy.kind === 'random') {
    ranked = [...candidates].sort(byId);
    for (let i = ranked.length - 1; i > 0; i--) {
      const j = Math.floor(ctx.random() * (i + 1));
      [ranked[i], ranked[j]] = [ranked[j]!, ranked[i]!];
    }
  } else {
    ranked = [...candidates].sort(ORDER[strategy.kind]);
  }
  const last = ctx.lastServed;
  if (strategy.returningCustomerFirst && last && ctx.now - last.at <= strategy.returningWindowSeconds * 1000) {
    const i = ranked.findIndex((c) => c.agentId === last.agentId);
    if (i > 0) ranked.unshift(...ranked.splice(i, 1));
  }
  const tried = ctx.tried;
  if (tried && tried.size > 0) ranked = [...ranked.filter((c) => !tried.has(c.agentId)), ...ranked.filter((c) => tried.has(c.agentId))];
  return ranked;
}
