import { rankAgents, type AgentCandidate, type GroupStrategy, type StrategyKind } from './strategies';

const c = (agentId: string, o: Partial<AgentCandidate> = {}): AgentCandidate => ({ agentId, level: 5, idleSince: 0, load: 0, lastOfferSeq: 0, ...o });
const s = (kind: StrategyKind, o: Partial<GroupStrategy> = {}): GroupStrategy => ({ kind, returningCustomerFirst: false, returningWindowSeconds: 3600, ...o });
const ids = (xs: AgentCandidate[]) => xs.map((x) => x.agentId);
const ctx = { now: 1_000_000, random: () => 0.5 };

describe('rankAgents()', () => {
  const agents = [c('a', { idleSince: 300, load: 1, level: 3, lastOfferSeq: 9 }), c('b', { idleSince: 100, load: 2, level: 8, lastOfferSeq: 4 }), c('c', { idleSince: 200, load: 0, level: 8, lastOfferSeq: 7 }), c('d', { idleSince: 50, load: 0, level: 1, lastOfferSeq: 0 })];

  test('longest idle: idle agents first, longest idle first', () => {
    expect(ids(rankAgents(s('longest_idle'), agents, ctx))).toEqual(['d', 'c', 'b', 'a']);
  });
  test('least busy: fewest contacts, then longest idle', () => {
    expect(ids(rankAgents(s('least_busy'), agents, ctx))).toEqual(['d', 'c', 'a', 'b']);
  });
  test('round robin: least recently offered from this queue', () => {
    expect(ids(rankAgents(s('round_robin'), agents, ctx))).toEqual(['d', 'b', 'c', 'a']);
  });
  test('skill level: highest level, then idle, then longest idle', () => {
    expect(ids(rankAgents(s('skill_level'), agents, ctx))).toEqual(['c', 'b', 'a', 'd']);
  });
  test('random: a permutation decided by the injected generator', () => {
    const seq = [0.1, 0.9, 0.4];
    let i = 0;
    const r1 = ids(rankAgents(s('random'), agents, { ...ctx, random: () => seq[i++ % 3]! }));
    i = 0;
    const r2 = ids(rankAgents(s('random'), [...agents].reverse(), { ...ctx, random: () => seq[i++ % 3]! }));
    expect(r1).toEqual(r2); // input order does not matter
    expect([...r1].sort()).toEqual(['a', 'b', 'c', 'd']);
  });
  test('ties break by agent id, so the order is total', () => {
    expect(ids(rankAgents(s('longest_idle'), [c('y'), c('x')], ctx))).toEqual(['x', 'y']);
  });

  test('returning customer first: the last agent within the window goes first', () => {
    const lastServed = { agentId: 'a', at: ctx.now - 2000 };
    expect(ids(rankAgents(s('longest_idle', { returningCustomerFirst: true }), agents, { ...ctx, lastServed }))[0]).toBe('a');
    // Off, or outside the window: no preference.
    expect(ids(rankAgents(s('longest_idle'), agents, { ...ctx, lastServed }))[0]).toBe('d');
    expect(ids(rankAgents(s('longest_idle', { returningCustomerFirst: true, returningWindowSeconds: 1 }), agents, { ...ctx, lastServed }))[0]).toBe('d');
    // Not among the candidates (busy or away): no preference either.
    expect(ids(rankAgents(s('longest_idle', { returningCustomerFirst: true }), agents, { ...ctx, lastServed: { agentId: 'zz', at: ctx.now } }))[0]).toBe('d');
  });

  test('agents who already missed or rejected this contact go last, never away', () => {
    expect(ids(rankAgents(s('longest_idle'), agents, { ...ctx, tried: new Set(['d', 'c']) }))).toEqual(['b', 'a', 'd', 'c']);
  });
});
