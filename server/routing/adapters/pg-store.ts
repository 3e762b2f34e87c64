import type { Db, Queryable } from '../../db/pool';
import { DEFAULT_AGENT_SETTINGS, type AgentRoutingSettings } from '../policy/capacity';
import type { Presence, PresenceState } from '../policy/presence';
import type { OverflowDestination, RoutingRule } from '../policy/rules';
import type { GroupStrategy, StrategyKind } from '../policy/strategies';
import type { Channel, Target } from '../policy/types';
import type { AgentSetup, ContactRecord, NotReadyReason, PresenceRecord, RoutingConfig, RoutingSettings, RoutingStore } from '../ports';

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);
const date = (n: number | null): Date | null => (n === null ? null : new Date(n));

export async function loadSettings(q: Queryable): Promise<RoutingSettings> {
  const { rows } = await q.query<RoutingSettings>(
    `SELECT offer_timeout_voice_seconds AS "offerTimeoutVoiceSeconds", offer_timeout_chat_seconds AS "offerTimeoutChatSeconds",
            wrap_up_seconds AS "wrapUpSeconds", max_offers_at_once AS "maxOffersAtOnce", missed_offers_before_not_ready AS "missedOffersBeforeNotReady"
       FROM routing_settings`,
  );
  return rows[0]!;
}

export async function loadRules(q: Queryable): Promise<RoutingRule[]> {
  const { rows } = await q.query<RoutingRule>('SELECT id, name, priority, enabled, conditions, action, overflow FROM routing_rules ORDER BY priority, lower(name)');
  return rows;
}

export async function loadStrategies(q: Queryable): Promise<Map<string, GroupStrategy>> {
  const { rows } = await q.query<{ groupId: string; kind: StrategyKind; returningCustomerFirst: boolean; returningWindowSeconds: number }>(
    'SELECT group_id AS "groupId", strategy AS kind, returning_customer_first AS "returningCustomerFirst", returning_window_seconds AS "returningWindowSeconds" FROM routing_group_strategies',
  );
  return new Map(rows.map(({ groupId, ...s }) => [groupId, s]));
}

export async function loadReasons(q: Queryable): Promise<NotReadyReason[]> {
  const { rows } = await q.query<NotReadyReason>('SELECT code, name, builtin, enabled FROM routing_not_ready_reasons ORDER BY builtin DESC, code');
  return rows;
}

/** The routing store on Postgres: the system of record behind the live state. */
export class PgRoutingStore implements RoutingStore {
  constructor(private readonly db: Db) {}

  async loadConfig(): Promise<RoutingConfig> {
    const [settings, rules, strategies, reasons] = await Promise.all([loadSettings(this.db), loadRules(this.db), loadStrategies(this.db), loadReasons(this.db)]);
    return { settings, rules, strategies, reasons };
  }

  async loadAgentSetups(agentIds?: string[]): Promise<AgentSetup[]> {
    const { rows } = await this.db.query<{
      agentId: string;
      displayName: string;
      enabled: boolean;
      limit: number;
      self: number | null;
      callBlocksChat: boolean | null;
      externalPhone: string | null;
      groups: { groupId: string; level: number }[];
    }>(
      `SELECT u.id AS "agentId", u.display_name AS "displayName", u.enabled, u.chat_capacity AS "limit",
              s.chat_capacity_self AS self, s.call_blocks_chat AS "callBlocksChat",
              CASE WHEN e.mode = 'external' THEN e.external_number END AS "externalPhone",
              COALESCE((SELECT json_agg(json_build_object('groupId', m.group_id, 'level', m.level))
                          FROM skill_group_members m JOIN skill_groups g ON g.id = m.group_id
                         WHERE m.user_id = u.id AND g.enabled), '[]') AS groups
         FROM users u LEFT JOIN agent_routing_settings s ON s.user_id = u.id LEFT JOIN agent_endpoints e ON e.user_id = u.id
        WHERE ($1::uuid[] IS NULL OR u.id = ANY($1::uuid[]))`,
      [agentIds ?? null],
    );
    return rows.map((r) => ({
      agentId: r.agentId,
      displayName: r.displayName,
      enabled: r.enabled,
      settings: { chatCapacityLimit: r.limit, chatCapacitySelf: r.self, callBlocksChat: r.callBlocksChat ?? DEFAULT_AGENT_SETTINGS.callBlocksChat, externalPhone: r.externalPhone },
      groups: r.groups,
    }));
  }

  async saveAgentSettings(agentId: string, p: Partial<Pick<AgentRoutingSettings, 'chatCapacitySelf' | 'callBlocksChat'>>): Promise<void> {
    await this.db.query(
      `INSERT INTO agent_routing_settings (user_id, chat_capacity_self, call_blocks_chat)
       VALUES ($1, $2, COALESCE($3, true))
       ON CONFLICT (user_id) DO UPDATE SET
         chat_capacity_self = CASE WHEN $4 THEN EXCLUDED.chat_capacity_self ELSE agent_routing_settings.chat_capacity_self END,
         call_blocks_chat = COALESCE($3, agent_routing_settings.call_blocks_chat),
         updated_at = now()`,
      [agentId, p.chatCapacitySelf ?? null, p.callBlocksChat ?? null, 'chatCapacitySelf' in p],
    );
  }

  async recordPresence({ agentId, presence: p, cause }: PresenceRecord): Promise<void> {
    // One statement for both rows: the history and the current state cannot disagree.
    await this.db.query(
      `WITH cur AS (
         INSERT INTO agent_presence (user_id, state, reason, since, wrap_until) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, since = EXCLUDED.since, wrap_until = EXCLUDED.wrap_until
           WHERE agent_presence.since <= EXCLUDED.since)
       INSERT INTO agent_presence_log (user_id, state, reason, at, cause) VALUES ($1, $2, $3, $4, $6)`,
      [agentId, p.state, p.reason, new Date(p.since), date(p.wrapUntil), cause],
    );
  }

  async loadPresences(): Promise<Map<string, Presence>> {
    const { rows } = await this.db.query<{ userId: string; state: PresenceState; reason: string | null; since: Date; wrapUntil: Date | null }>(
      'SELECT user_id AS "userId", state, reason, since, wrap_until AS "wrapUntil" FROM agent_presence',
    );
    return new Map(rows.map((r) => [r.userId, { state: r.state, reason: r.reason, since: r.since.getTime(), wrapUntil: ms(r.wrapUntil) }]));
  }

  async insertContact(c: ContactRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO routing_contacts (id, channel, target_kind, target_id, rule_id, priority, customer_id, owner, entry, navigation, attributes, status, enqueued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12)`,
      [c.id, c.channel, c.target.kind, c.target.id, c.ruleId, c.priority, c.customerId, c.owner, c.entry, c.navigation, c.attributes, new Date(c.enqueuedAt)],
    );
  }

  async markAccepted(contactId: string, agentId: string, at: number): Promise<void> {
    await this.db.query(
      "UPDATE routing_contacts SET status = 'active', agent_id = $2, accepted_at = $3, wait_ms = (extract(epoch FROM $3::timestamptz - enqueued_at) * 1000)::bigint WHERE id = $1",
      [contactId, agentId, new Date(at)],
    );
  }

  async markEnded(contactId: string, at: number, handleMs: number): Promise<void> {
    await this.db.query("UPDATE routing_contacts SET status = 'ended', ended_at = $2, handle_ms = $3 WHERE id = $1", [contactId, new Date(at), handleMs]);
  }

  async markAbandoned(contactId: string, at: number, waitMs: number, stateBefore: string): Promise<void> {
    await this.db.query("UPDATE routing_contacts SET status = 'abandoned', ended_at = $2, wait_ms = $3, abandoned_while = $4 WHERE id = $1", [contactId, new Date(at), waitMs, stateBefore]);
  }

  async markOverflowed(contactId: string, at: number, to: OverflowDestination, reason: string, waitMs: number): Promise<void> {
    await this.db.query("UPDATE routing_contacts SET status = 'overflowed', ended_at = $2, overflow_to = $3, overflow_reason = $4, wait_ms = $5 WHERE id = $1", [contactId, new Date(at), to, reason, waitMs]);
  }

  async moveContact(contactId: string, to: Target): Promise<void> {
    await this.db.query('UPDATE routing_contacts SET target_kind = $2, target_id = $3 WHERE id = $1', [contactId, to.kind, to.id]);
  }

  async loadOpenContacts() {
    const { rows } = await this.db.query<{
      id: string;
      channel: Channel;
      targetKind: 'group' | 'agent';
      targetId: string;
      ruleId: string | null;
      priority: number;
      customerId: string | null;
      owner: string | null;
      entry: ContactRecord['entry'];
      navigation: string | null;
      attributes: ContactRecord['attributes'];
      status: 'queued' | 'active';
      enqueuedAt: Date;
      acceptedAt: Date | null;
      agentId: string | null;
    }>(
      `SELECT id, channel, target_kind AS "targetKind", target_id AS "targetId", rule_id AS "ruleId", priority, customer_id AS "customerId", owner, entry, navigation, attributes,
              status, enqueued_at AS "enqueuedAt", accepted_at AS "acceptedAt", agent_id AS "agentId"
         FROM routing_contacts WHERE status IN ('queued', 'active') ORDER BY enqueued_at`,
    );
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      target: { kind: r.targetKind, id: r.targetId },
      ruleId: r.ruleId,
      priority: r.priority,
      customerId: r.customerId,
      owner: r.owner,
      entry: r.entry,
      navigation: r.navigation,
      attributes: r.attributes,
      status: r.status,
      enqueuedAt: r.enqueuedAt.getTime(),
      acceptedAt: ms(r.acceptedAt),
      agentId: r.agentId,
    }));
  }

  async loadLastServed(since: number): Promise<{ customerId: string; agentId: string; at: number }[]> {
    const { rows } = await this.db.query<{ customerId: string; agentId: string; at: Date }>(
      `SELECT DISTINCT ON (customer_id) customer_id AS "customerId", agent_id AS "agentId", accepted_at AS at
         FROM routing_contacts WHERE customer_id IS NOT NULL AND agent_id IS NOT NULL AND accepted_at >= $1
        ORDER BY customer_id, accepted_at DESC`,
      [new Date(since)],
    );
    return rows.map((r) => ({ customerId: r.customerId, agentId: r.agentId, at: r.at.getTime() }));
  }
}
