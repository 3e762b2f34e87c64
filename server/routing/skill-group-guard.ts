import type { Queryable } from '../db/pool';
import { ConflictError } from '../platform/errors';

/**
 * Refuses to let a skill group go while a routing rule sends contacts to it
 * (seed 000: "在会话路由中被设置分配规则的技能组无法被删除"). org/skill-groups.ts
 * calls this before deleting; the foreign key on routing_rule_groups backs it up.
 */
export async function assertSkillGroupNotRouted(q: Queryable, groupId: string): Promise<void> {
  const { rows } = await q.query<{ id: string; name: string }>(
    'SELECT r.id, r.name FROM routing_rule_groups g JOIN routing_rules r ON r.id = g.rule_id WHERE g.group_id = $1 ORDER BY r.priority, lower(r.name)',
    [groupId],
  );
  if (rows.length === 0) return;
  const names = rows.map((r) => `"${r.name}"`).join(', ');
  throw new ConflictError(`The skill group is used by routing rule ${names}; change or delete the rule first`, 'in_use', [{ path: 'id', message: `used by routing rule ${names}` }]);
}
