/**
 * What the softphone bar's pickers need, for an agent who holds only calls.handle:
 * colleagues and skill groups with live availability (transfer and consult targets),
 * and the service numbers click-to-call may show. Agents cannot read /api/agents or
 * /api/ivr/numbers (admin routes), so this is the bar's own narrow view.
 */
import type { Db } from '../db/pool';
import type { RoutingEngine } from '../routing/engine';

export interface DirectoryAgent {
  id: string;
  displayName: string;
  state: 'offline' | 'ready' | 'not_ready' | 'wrap_up';
  /** Ready, registered and with a free voice slot: a transfer rings them now. */
  available: boolean;
}
export interface DirectoryGroup {
  id: string;
  name: string;
  /** Members who could take a call now. */
  available: number;
  members: number;
}
export interface CallDirectory {
  agents: DirectoryAgent[];
  groups: DirectoryGroup[];
  serviceNumbers: { number: string; description: string }[];
}

export async function callDirectory(db: Db, acd: RoutingEngine, self: string): Promise<CallDirectory> {
  const [live, users, groups, members, numbers] = await Promise.all([
    acd.agents(),
    db.query<{ id: string; name: string }>('SELECT id, display_name AS name FROM users WHERE enabled ORDER BY display_name'),
    db.query<{ id: string; name: string }>('SELECT id, name FROM skill_groups WHERE enabled ORDER BY name'),
    db.query<{ group_id: string; user_id: string }>('SELECT group_id, user_id FROM skill_group_members'),
    db.query<{ number: string; description: string }>('SELECT number, description FROM ivr_service_numbers ORDER BY created_at'),
  ]);
  const byId = new Map(live.map((a) => [a.agentId, a]));
  const free = (id: string) => {
    const a = byId.get(id);
    return Boolean(a && a.presence.state === 'ready' && a.voiceRegistered && a.load.voice < a.capacity.voice);
  };
  // Only people the ACD knows are agents; admins without a live state are not transfer targets.
  const agents = users.rows.filter((u) => u.id !== self && byId.has(u.id)).map((u) => ({ id: u.id, displayName: u.name, state: byId.get(u.id)!.presence.state, available: free(u.id) }));
  const groupList = groups.rows.map((g) => {
    const ids = members.rows.filter((m) => m.group_id === g.id).map((m) => m.user_id);
    return { id: g.id, name: g.name, members: ids.length, available: ids.filter(free).length };
  });
  return { agents, groups: groupList, serviceNumbers: numbers.rows };
}
