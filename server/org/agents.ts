import { z } from 'zod';
import { mapConstraintError } from '../db/errors';
import type { Queryable } from '../db/pool';
import { NotFoundError, ValidationError } from '../platform/errors';
import { queryOffset } from '../platform/numbers';
import { text } from '../platform/text';
import { assertOrgUnitExists } from './org-units';

const username = z.string().trim().regex(/^[A-Za-z0-9_.@-]{2,64}$/, 'must be 2-64 letters, digits or _ . @ -');
const phone = z.string().trim().regex(/^\+?[0-9]{5,20}$/, 'must be 5-20 digits, optionally starting with +');
const displayName = text().trim().min(1, 'is required').max(100);
const employeeNo = text().trim().min(1, 'is required').max(32);
const chatCapacity = z.number().int().min(0).max(100);
const roleIds = z.array(z.uuid()).max(50).transform((ids) => [...new Set(ids)]);

export const createAgentBody = z.object({
  username,
  phone: phone.optional(),
  password: z.string().min(8, 'must be at least 8 characters').max(256),
  displayName,
  employeeNo,
  orgUnitId: z.uuid().nullable().optional(),
  enabled: z.boolean().optional(),
  chatCapacity: chatCapacity.optional(),
  roleIds: roleIds.default([]),
});
export const updateAgentBody = z
  .object({
    phone: phone.nullable().optional(),
    password: z.string().min(8, 'must be at least 8 characters').max(256).optional().describe('admin password reset; ends the agent\'s sessions'),
    displayName: displayName.optional(),
    employeeNo: employeeNo.optional(),
    orgUnitId: z.uuid().nullable().optional(),
    enabled: z.boolean().optional().describe('false ends every live session of the agent at once'),
    chatCapacity: chatCapacity.optional(),
    roleIds: roleIds.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export const listAgentsQuery = z.object({
  q: z.string().trim().max(100).optional().describe('matches username, display name, employee number or phone'),
  orgUnitId: z.uuid().optional(),
  skillGroupId: z.uuid().optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: queryOffset().default(0),
});

export interface Agent {
  id: string;
  username: string;
  phone: string | null;
  displayName: string;
  employeeNo: string;
  orgUnitId: string | null;
  enabled: boolean;
  isSuperadmin: boolean;
  chatCapacity: number;
  roles: { id: string; code: string; name: string }[];
  skillGroups: { id: string; name: string; level: number }[];
  createdAt: string;
  updatedAt: string;
}

const SELECT = `
  SELECT u.id, u.username, u.phone, u.display_name AS "displayName", u.employee_no AS "employeeNo",
         u.org_unit_id AS "orgUnitId", u.enabled, u.is_superadmin AS "isSuperadmin", u.chat_capacity AS "chatCapacity",
         u.created_at AS "createdAt", u.updated_at AS "updatedAt",
         COALESCE((SELECT json_agg(json_build_object('id', r.id, 'code', r.code, 'name', r.name) ORDER BY r.name)
                     FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id), '[]') AS roles,
         COALESCE((SELECT json_agg(json_build_object('id', g.id, 'name', g.name, 'level', m.level) ORDER BY g.name)
                     FROM skill_group_members m JOIN skill_groups g ON g.id = m.group_id WHERE m.user_id = u.id), '[]') AS "skillGroups"
    FROM users u`;

const UNIQUE = {
  users_username: { field: 'username', message: 'An agent with this login name already exists' },
  users_phone: { field: 'phone', message: 'An agent with this phone number already exists' },
  users_employee_no: { field: 'employeeNo', message: 'An agent with this employee number already exists' },
};

export async function getAgent(q: Queryable, id: string): Promise<Agent> {
  const { rows } = await q.query<Agent>(`${SELECT} WHERE u.id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Agent');
  return rows[0];
}

export async function listAgents(q: Queryable, f: z.output<typeof listAgentsQuery>): Promise<{ items: Agent[]; total: number }> {
  const where = `WHERE ($1::text IS NULL OR u.username ILIKE '%' || $1 || '%' OR u.display_name ILIKE '%' || $1 || '%'
                        OR u.employee_no ILIKE '%' || $1 || '%' OR u.phone LIKE '%' || $1 || '%')
                   AND ($2::uuid IS NULL OR u.org_unit_id = $2)
                   AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM skill_group_members m WHERE m.user_id = u.id AND m.group_id = $3))
                   AND ($4::boolean IS NULL OR u.enabled = $4)`;
  const args = [f.q ?? null, f.orgUnitId ?? null, f.skillGroupId ?? null, f.enabled ?? null];
  const [items, count] = await Promise.all([
    q.query<Agent>(`${SELECT} ${where} ORDER BY lower(u.username) LIMIT $5 OFFSET $6`, [...args, f.limit, f.offset]),
    q.query<{ n: number }>(`SELECT count(*)::int AS n FROM users u ${where}`, args),
  ]);
  return { items: items.rows, total: count.rows[0]!.n };
}

async function assertRolesExist(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await q.query<{ id: string }>('SELECT id FROM roles WHERE id = ANY($1::uuid[])', [ids]);
  const known = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) throw new ValidationError(`Unknown role(s): ${missing.join(', ')}`, [{ path: 'roleIds', message: `unknown role id(s): ${missing.join(', ')}` }]);
}

async function setRoles(q: Queryable, userId: string, ids: string[]): Promise<void> {
  await assertRolesExist(q, ids);
  await q.query('DELETE FROM user_roles WHERE user_id = $1', [userId]);
  if (ids.length > 0) await q.query('INSERT INTO user_roles (user_id, role_id) SELECT $1, unnest($2::uuid[])', [userId, ids]);
}

export async function createAgent(q: Queryable, b: z.output<typeof createAgentBody> & { passwordHash: string; isSuperadmin?: boolean }): Promise<Agent> {
  await assertOrgUnitExists(q, b.orgUnitId);
  try {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO users (username, phone, password_hash, display_name, employee_no, org_unit_id, enabled, chat_capacity, is_superadmin)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [b.username, b.phone ?? null, b.passwordHash, b.displayName, b.employeeNo, b.orgUnitId ?? null, b.enabled ?? true, b.chatCapacity ?? 5, b.isSuperadmin ?? false],
    );
    const id = rows[0]!.id;
    await setRoles(q, id, b.roleIds);
    return getAgent(q, id);
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}

export async function updateAgent(q: Queryable, id: string, b: Omit<z.output<typeof updateAgentBody>, 'password'> & { passwordHash?: string }): Promise<Agent> {
  await assertOrgUnitExists(q, b.orgUnitId);
  try {
    const { rowCount } = await q.query(
      `UPDATE users SET
         phone = CASE WHEN $2::boolean THEN $3 ELSE phone END,
         display_name = COALESCE($4, display_name),
         employee_no = COALESCE($5, employee_no),
         org_unit_id = CASE WHEN $6::boolean THEN $7::uuid ELSE org_unit_id END,
         enabled = COALESCE($8, enabled),
         chat_capacity = COALESCE($9, chat_capacity),
         password_hash = COALESCE($10, password_hash),
         password_changed_at = CASE WHEN $10::text IS NULL THEN password_changed_at ELSE now() END,
         updated_at = now()
       WHERE id = $1`,
      [id, b.phone !== undefined, b.phone ?? null, b.displayName ?? null, b.employeeNo ?? null, b.orgUnitId !== undefined, b.orgUnitId ?? null, b.enabled ?? null, b.chatCapacity ?? null, b.passwordHash ?? null],
    );
    if (!rowCount) throw new NotFoundError('Agent');
    if (b.roleIds) await setRoles(q, id, b.roleIds);
    return getAgent(q, id);
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}
