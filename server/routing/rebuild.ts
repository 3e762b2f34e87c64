import type { Capacity } from './policy/capacity';
import { queueScore } from './policy/queue-order';
import { waitOverflow } from './policy/rules';
import { targetKey } from './policy/types';
import type { AgentSetup, LiveState, RoutingConfig, RoutingStore } from './ports';

/**
 * Rebuilds the ACD's live state from Postgres, after Redis lost it. What comes
 * back: agents with their presence, groups and capacity; waiting contacts in their
 * original order (a contact that was being offered waits again: the offer's
 * reservation died with Redis); accepted contacts on their agents' load; who
 * served each customer last. What does not: softphone registrations, which the
 * telephony layer re-reports from FreeSWITCH.
 */
/** Contacts go back in without offers: agents are offered work once everything is back. */
const NO_OFFERS = (now: number) => ({ now, seed: 0, uuid: '', bound: 0 });

export async function rebuildLiveState(deps: {
  live: LiveState;
  store: RoutingStore;
  config: RoutingConfig;
  now: number;
  capacityOf: (s: AgentSetup) => Capacity;
  targetsOf: (s: AgentSetup) => Map<string, number>;
}): Promise<{ agents: number; queued: number; active: number }> {
  const { live, store, config, now } = deps;
  await live.wipe();
  await live.setConfig(config);
  const [setups, presences, open] = await Promise.all([store.loadAgentSetups(), store.loadPresences(), store.loadOpenContacts()]);
  let agents = 0;
  for (const s of setups) {
    const presence = presences.get(s.agentId);
    // Agents who never logged in stay out of Redis until they do.
    if (!presence || !s.enabled) continue;
    await live.setAgent(s.agentId, now, deps.capacityOf(s), false, deps.targetsOf(s));
    if (presence.state !== 'offline') await live.setPresence(s.agentId, 0, presence, now);
    agents++;
  }
  const rules = new Map(config.rules.map((r) => [r.id, r]));
  let queued = 0;
  let active = 0;
  for (const c of open) {
    if (c.status === 'active' && c.agentId) {
      await live.restoreActive({ id: c.id, agentId: c.agentId, channel: c.channel, target: targetKey(c.target), enqueuedAt: c.enqueuedAt, acceptedAt: c.acceptedAt ?? c.enqueuedAt, customerId: c.customerId, owner: c.owner });
      active++;
      continue;
    }
    // The rule's wait overflow still applies while the contact waits where the rule sent it.
    const rule = c.ruleId ? rules.get(c.ruleId) : undefined;
    const wov = rule && targetKey(rule.action) === targetKey(c.target) ? waitOverflow(rule.overflow) : undefined;
    await live.enqueue({
      id: c.id,
      target: targetKey(c.target),
      channel: c.channel,
      score: queueScore(c.priority, c.enqueuedAt),
      enqueuedAt: c.enqueuedAt,
      priority: c.priority,
      customerId: c.customerId,
      owner: c.owner,
      waitOverflow: wov && { deadline: c.enqueuedAt + Math.round(wov.seconds * 1000), to: wov.to },
    }, NO_OFFERS(now));
    queued++;
  }
  const windows = [...config.strategies.values()].filter((s) => s.returningCustomerFirst).map((s) => s.returningWindowSeconds);
  if (windows.length > 0) {
    const window = Math.max(...windows);
    for (const l of await store.loadLastServed(now - window * 1000)) await live.setLastServed(l.customerId, l.agentId, l.at, window - (now - l.at) / 1000);
  }
  return { agents, queued, active };
}
