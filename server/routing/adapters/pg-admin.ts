import { z } from 'zod';
import { mapConstraintError } from '../../db/errors';
import type { Queryable } from '../../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors';
import { groupsUsedBy, type RoutingRule } from '../policy/rules';
import { DEFAULT_STRATEGY, STRATEGY_KINDS, type GroupStrategy } from '../policy/strategies';
import type { NotReadyReason, RoutingSettings } from '../ports';
import { loadReasons, loadRules, loadSettings, loadStrategies } from './pg-store';

/** Admin-managed routing configuration: schemas (which also document the API) and their Postgres CRUD. */

const uuid = z.uuid({ message: 'must be a UUID' });
export const targetSchema = z.discriminatedUnion('kind', [z.object({ kind: z.literal('group'), id: uuid }), z.object({ kind: z.literal('agent'), id: uuid })]);
const destinationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group'), id: uuid }),
  z.object({ kind: z.literal('agent'), id: uuid }),
  z.object({ kind: z.literal('voicemail') }).describe('voicemail (calls) / leave a message (chats)'),
  z.object({ kind: z.literal('flow_node'), flowId: z.string().min(1).max(100), nodeId: z.string().min(1).max(100) }),
]);
const whenSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('queue_length_over'), n: z.number().int().min(0).max(100_000) }),
  z.object({ kind: z.literal('wait_over'), seconds: z.number().positive().max(86_400) }),
  z.object({ kind: z.literal('none_logged_in') }),
  z.object({ kind: z.literal('none_ready') }),
]);
export const overflowSchema = z.object({ when: whenSchema, to: destinationSchema });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');
const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown time zone');
const attrValue = z.union([z.string().max(200), z.number(), z.boolean()]);
const conditionsSchema = z
  .object({
    channels: z.array(z.enum(['voice', 'chat'])).min(1).optional(),
    serviceNumbers: z.array(z.string().min(1).max(40)).min(1).max(200).optional(),
    sites: z.array(z.string().min(1).max(100)).min(1).max(200).optional(),
    navigation: z.array(z.string().min(1).max(100)).min(1).max(200).optional(),
    attributes: z
      .array(
        z.discriminatedUnion('op', [
          z.object({ key: z.string().min(1).max(64), op: z.literal('eq'), value: attrValue }),
          z.object({ key: z.string().min(1).max(64), op: z.literal('in'), values: z.array(attrValue).min(1).max(200) }),
          z.object({ key: z.string().min(1).max(64), op: z.literal('exists') }),
        ]),
      )
      .max(20)
      .optional(),
    schedule: z
      .object({
        timezone,
        windows: z.array(z.object({ days: z.array(z.number().int().min(0).max(6)).min(1), from: hhmm, to: hhmm })).min(1).max(50),
        holidays: z.array(z.iso.date()).max(400).optional(),
        match: z.enum(['open', 'closed']).optional(),
      })
      .optional(),
  })
  .strict();

export const createRuleBody = z.object({
  name: z.string().trim().min(1).max(100),
  priority: z.number().int().min(0).max(1_000_000).describe('lower runs first'),
  enabled: z.boolean().default(true),
  conditions: conditionsSchema.default({}),
  action: targetSchema,
  overflow: z.array(overflowSchema).max(10).default([]),
});
export const updateRuleBody = createRuleBody.partial().refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

const RULE_UNIQUE = { routing_rules_name: { field: 'name', message: 'A routing rule with this name already exists' } };
const RULE_FK = { routing_rule_groups_group_id_fkey: { field: 'action', message: 'unknown skill group' } };

export async function getRule(q: Queryable, id: string): Promise<RoutingRule> {
  const { rows } = await q.query<RoutingRule>('SELECT id, name, priority, enabled, conditions, action, overflow FROM routing_rules WHERE id = $1', [id]);
  if (!rows[0]) throw new NotFoundError('Routing rule');
  return rows[0];
}

export const listRules = loadRules;

async function checkAgents(q: Queryable, rule: Pick<RoutingRule, 'action' | 'overflow'>): Promise<void> {
  const ids = [rule.action, ...rule.overflow.map((o) => o.to)].filter((t) => t.kind === 'agent').map((t) => (t as { id: string }).id);
  if (ids.length === 0) return;
  const { rows } = await q.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::uuid[])', [ids]);
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw new ValidationError(`Unknown agent(s): ${missing.join(', ')}`, [{ path: 'action', message: `unknown agent ${missing.join(', ')}` }]);
}

async function saveRuleGroups(q: Queryable, id: string, rule: Pick<RoutingRule, 'action' | 'overflow'>): Promise<void> {
  await q.query('DELETE FROM routing_rule_groups WHERE rule_id = $1', [id]);
  const groups = groupsUsedBy(rule);
  if (groups.length) await q.query('INSERT INTO routing_rule_groups (rule_id, group_id) SELECT $1, unnest($2::uuid[])', [id, groups]);
}

export async function createRule(q: Queryable, b: z.output<typeof createRuleBody>): Promise<RoutingRule> {
  await checkAgents(q, b);
  try {
    const { rows } = await q.query<{ id: string }>('INSERT INTO routing_rules (name, priority, enabled, conditions, action, overflow) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [
      b.name,
      b.priority,
      b.enabled,
      b.conditions,
      b.action,
      JSON.stringify(b.overflow),
    ]);
    await saveRuleGroups(q, rows[0]!.id, b);
    return getRule(q, rows[0]!.id);
  } catch (err) {
    mapConstraintError(err, RULE_UNIQUE, RULE_FK);
  }
}

export async function updateRule(q: Queryable, id: string, b: z.output<typeof updateRuleBody>): Promise<RoutingRule> {
  const merged = { ...(await getRule(q, id)), ...b };
  await checkAgents(q, merged);
  try {
    await q.query('UPDATE routing_rules SET name = $2, priority = $3, enabled = $4, conditions = $5, action = $6, overflow = $7, updated_at = now() WHERE id = $1', [
      id,
      merged.name,
      merged.priority,
      merged.enabled,
      merged.conditions,
      merged.action,
      JSON.stringify(merged.overflow),
    ]);
    await saveRuleGroups(q, id, merged);
    return getRule(q, id);
  } catch (err) {
    mapConstraintError(err, RULE_UNIQUE, RULE_FK);
  }
}

export async function deleteRule(q: Queryable, id: string): Promise<RoutingRule> {
  const rule = await getRule(q, id);
  await q.query('DELETE FROM routing_rules WHERE id = $1', [id]);
  return rule;
}

// ── strategies ─────────────────────────────────────────────────────────

export const strategyBody = z.object({
  kind: z.enum(STRATEGY_KINDS as [string, ...string[]]).describe(STRATEGY_KINDS.join(' | ')),
  returningCustomerFirst: z.boolean().default(false),
  returningWindowSeconds: z.number().int().min(60).max(31_536_000).default(DEFAULT_STRATEGY.returningWindowSeconds),
});

export async function getStrategy(q: Queryable, groupId: string): Promise<GroupStrategy & { groupId: string }> {
  const { rowCount } = await q.query('SELECT 1 FROM skill_groups WHERE id = $1', [groupId]);
  if (!rowCount) throw new NotFoundError('Skill group');
  return { groupId, ...((await loadStrategies(q)).get(groupId) ?? DEFAULT_STRATEGY) };
}

export async function listStrategies(q: Queryable): Promise<(GroupStrategy & { groupId: string })[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM skill_groups ORDER BY lower(name)');
  const set = await loadStrategies(q);
  return rows.map((r) => ({ groupId: r.id, ...(set.get(r.id) ?? DEFAULT_STRATEGY) }));
}

export async function putStrategy(q: Queryable, groupId: string, b: z.output<typeof strategyBody>): Promise<GroupStrategy & { groupId: string }> {
  await getStrategy(q, groupId);
  await q.query(
    `INSERT INTO routing_group_strategies (group_id, strategy, returning_customer_first, returning_window_seconds) VALUES ($1, $2, $3, $4)
     ON CONFLICT (group_id) DO UPDATE SET strategy = EXCLUDED.strategy, returning_customer_first = EXCLUDED.returning_customer_first,
       returning_window_seconds = EXCLUDED.returning_window_seconds, updated_at = now()`,
    [groupId, b.kind, b.returningCustomerFirst, b.returningWindowSeconds],
  );
  return getStrategy(q, groupId);
}

// ── not-ready reasons ──────────────────────────────────────────────────

export const createReasonBody = z.object({ code: z.string().regex(/^[a-z][a-z0-9_-]{1,31}$/, 'lowercase letters, digits, _ or -; 2..32'), name: z.string().trim().min(1).max(100), enabled: z.boolean().default(true) });
export const updateReasonBody = z.object({ name: z.string().trim().min(1).max(100).optional(), enabled: z.boolean().optional() }).refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export const listReasons = loadReasons;

export async function getReason(q: Queryable, code: string): Promise<NotReadyReason> {
  const reason = (await loadReasons(q)).find((r) => r.code === code);
  if (!reason) throw new NotFoundError('Not-ready reason');
  return reason;
}

export async function createReason(q: Queryable, b: z.output<typeof createReasonBody>): Promise<NotReadyReason> {
  try {
    await q.query('INSERT INTO routing_not_ready_reasons (code, name, enabled) VALUES ($1, $2, $3)', [b.code, b.name, b.enabled]);
  } catch (err) {
    mapConstraintError(err, { routing_not_ready_reasons_pkey: { field: 'code', message: 'A reason with this code already exists' } });
  }
  return getReason(q, b.code);
}

export async function updateReason(q: Queryable, code: string, b: z.output<typeof updateReasonBody>): Promise<NotReadyReason> {
  await getReason(q, code);
  await q.query('UPDATE routing_not_ready_reasons SET name = COALESCE($2, name), enabled = COALESCE($3, enabled) WHERE code = $1', [code, b.name ?? null, b.enabled ?? null]);
  return getReason(q, code);
}

export async function deleteReason(q: Queryable, code: string): Promise<NotReadyReason> {
  const reason = await getReason(q, code);
  if (reason.builtin) throw new ConflictError(`"${code}" is built in; disable it instead`, 'builtin');
  await q.query('DELETE FROM routing_not_ready_reasons WHERE code = $1', [code]);
  return reason;
}

// ── global settings ────────────────────────────────────────────────────

export const settingsBody = z
  .object({
    offerTimeoutVoiceSeconds: z.number().positive().max(300).describe('ring time of an offered call'),
    offerTimeoutChatSeconds: z.number().positive().max(600).describe('time to accept an offered chat'),
    wrapUpSeconds: z.number().min(0).max(3600).describe('after-call work before the agent is ready again'),
    maxOffersAtOnce: z.number().int().min(1).max(100).describe('offers an agent may have outstanding at once (burst cap on becoming ready)'),
    missedOffersBeforeNotReady: z.number().int().min(0).max(100).describe('consecutive missed offers before an agent goes not_ready "missed"; 0 = never'),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export const getSettings = loadSettings;

export async function putSettings(q: Queryable, b: z.output<typeof settingsBody>): Promise<RoutingSettings> {
  await q.query(
    `UPDATE routing_settings SET offer_timeout_voice_seconds = COALESCE($1, offer_timeout_voice_seconds), offer_timeout_chat_seconds = COALESCE($2, offer_timeout_chat_seconds),
       wrap_up_seconds = COALESCE($3, wrap_up_seconds), max_offers_at_once = COALESCE($4, max_offers_at_once),
       missed_offers_before_not_ready = COALESCE($5, missed_offers_before_not_ready), updated_at = now()`,
    [b.offerTimeoutVoiceSeconds ?? null, b.offerTimeoutChatSeconds ?? null, b.wrapUpSeconds ?? null, b.maxOffersAtOnce ?? null, b.missedOffersBeforeNotReady ?? null],
  );
  return loadSettings(q);
}
