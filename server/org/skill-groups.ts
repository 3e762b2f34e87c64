import { z } from 'zod';
import { mapConstraintError } from '../db/errors';
import type { Queryable } from '../db/pool';
import { NotFoundError, ValidationError } from '../platform/errors';
import { assertSkillGroupNotRouted } from '../routing/skill-group-guard';

const name = z.string().trim().min(1, 'is required').max(100);
const level = z.number().int().min(1).max(10).describe('skill level, 1 (lowest) to 10 (highest)');
export const memberBody = z.object({ agentId: z.uuid(), level: level.default(5) });
export const createSkillGroupBody = z.object({
  name,
  description: z.string().max(1000).optional(),
  enabled: z.boolean().optional(),
  members: z.array(memberBody).max(1000).optional(),
});
export const updateSkillGroupBody = z
  .object({ name: name.optional(), description: z.string().max(1000).optional(), enabled: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export const setMembersBody = z.object({ members: z.array(memberBody).max(1000) });
export const updateMemberBody = z.object({ level });

export interface SkillGroup {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  members: { agentId: string; username: string; displayName: string; level: number }[];
  createdAt: string;
  updatedAt: string;
}

const SELECT = `
  SELECT g.id, g.name, g.description, g.enabled, g.created_at AS "createdAt", g.updated_at AS "updatedAt",
         COALESCE((SELECT json_agg(json_build_object('agentId', u.id, 'username', u.username, 'displayName', u.display_name, 'level', m.level)
                                   ORDER BY m.level DESC, u.username)
                     FROM skill_group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = g.id), '[]') AS members
    FROM skill_groups g`;
const UNIQUE = { skill_groups_name: { field: 'name', message: 'A skill group with this name already exists' } };

export async function listSkillGroups(q: Queryable): Promise<SkillGroup[]> {
  return (await q.query<SkillGroup>(`${SELECT} ORDER BY lower(g.name)`)).rows;
}

export async function getSkillGroup(q: Queryable, id: string): Promise<SkillGroup> {
  const { rows } = await q.query<SkillGroup>(`${SELECT} WHERE g.id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Skill group');
  return rows[0];
}

export async function createSkillGroup(q: Queryable, b: z.output<typeof createSkillGroupBody>): Promise<SkillGroup> {
  try {
    const { rows } = await q.query<{ id: string }>('INSERT INTO skill_groups (name, description, enabled) VALUES ($1, $2, $3) RETURNING id', [b.name, b.description ?? '', b.enabled ?? true]);
    const id = rows[0]!.id;
    if (b.members) await setMembers(q, id, b.members);
    return getSkillGroup(q, id);
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}

export async function updateSkillGroup(q: Queryable, id: string, b: z.output<typeof updateSkillGroupBody>): Promise<SkillGroup> {
  try {
    const { rowCount } = await q.query(
      'UPDATE skill_groups SET name = COALESCE($2, name), description = COALESCE($3, description), enabled = COALESCE($4, enabled), updated_at = now() WHERE id = $1',
      [id, b.name ?? null, b.description ?? null, b.enabled ?? null],
    );
    if (!rowCount) throw new NotFoundError('Skill group');
    return getSkillGroup(q, id);
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}

/** Deletes a group; a group a routing rule uses answers 409 naming the rule. */
export async function deleteSkillGroup(q: Queryable, id: string): Promise<SkillGroup> {
  const group = await getSkillGroup(q, id);
  await assertSkillGroupNotRouted(q, id);
  await q.query('DELETE FROM skill_groups WHERE id = $1', [id]);
  return group;
}

/** Replaces the member list; every agent must exist. */
export async function setMembers(q: Queryable, groupId: string, members: z.output<typeof memberBody>[]): Promise<void> {
  const byAgent = new Map(members.map((m) => [m.agentId, m.level]));
  const ids = [...byAgent.keys()];
  if (ids.length > 0) {
    const { rows } = await q.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::uuid[])', [ids]);
    const known = new Set(rows.map((r) => r.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) throw new ValidationError(`Unknown agent(s): ${missing.join(', ')}`, [{ path: 'members', message: `unknown agent id(s): ${missing.join(', ')}` }]);
  }
  await q.query('DELETE FROM skill_group_members WHERE group_id = $1', [groupId]);
  if (ids.length > 0) {
    await q.query('INSERT INTO skill_group_members (group_id, user_id, level) SELECT $1, unnest($2::uuid[]), unnest($3::int[])', [groupId, ids, ids.map((id) => byAgent.get(id))]);
  }
}

export async function upsertMember(q: Queryable, groupId: string, agentId: string, lvl: number): Promise<void> {
  await getSkillGroup(q, groupId);
  const { rowCount } = await q.query('SELECT 1 FROM users WHERE id = $1', [agentId]);
  if (!rowCount) throw new NotFoundError('Agent');
  await q.query(
    'INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, $3) ON CONFLICT (group_id, user_id) DO UPDATE SET level = EXCLUDED.level',
    [groupId, agentId, lvl],
  );
}

export async function removeMember(q: Queryable, groupId: string, agentId: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM skill_group_members WHERE group_id = $1 AND user_id = $2', [groupId, agentId]);
  if (!rowCount) throw new NotFoundError('Skill group member');
}
