import { z } from 'zod';
import { PERMISSION_CODES, type Permission } from '../auth/permissions';
import { mapConstraintError } from '../db/errors';
import type { Queryable } from '../db/pool';
import { ConflictError, NotFoundError } from '../platform/errors';

const permissionList = z
  .array(z.enum(PERMISSION_CODES as [Permission, ...Permission[]], { message: 'unknown permission code (see GET /api/permissions)' }))
  .max(PERMISSION_CODES.length * 2)
  .transform((ps) => [...new Set(ps)].sort());

export const createRoleBody = z.object({
  code: z.string().trim().regex(/^[a-z][a-z0-9_.-]{1,63}$/, 'must be 2-64 lowercase letters, digits, _ . - and start with a letter'),
  name: z.string().trim().min(1, 'is required').max(100),
  description: z.string().max(1000).optional(),
  enabled: z.boolean().optional(),
  permissions: permissionList.default([]),
});
export const updateRoleBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(1000).optional(),
    enabled: z.boolean().optional(),
    permissions: permissionList.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export interface Role {
  id: string;
  code: string;
  name: string;
  description: string;
  enabled: boolean;
  builtin: boolean;
  permissions: Permission[];
  userCount: number;
}

const COLUMNS = `id, code, name, description, enabled, builtin, permissions,
  (SELECT count(*) FROM user_roles ur WHERE ur.role_id = roles.id)::int AS "userCount"`;
const UNIQUE = {
  roles_code: { field: 'code', message: 'A role with this code already exists' },
  roles_name: { field: 'name', message: 'A role with this name already exists' },
};

export async function listRoles(q: Queryable): Promise<Role[]> {
  return (await q.query<Role>(`SELECT ${COLUMNS} FROM roles ORDER BY builtin DESC, lower(name)`)).rows;
}

export async function getRole(q: Queryable, id: string): Promise<Role> {
  const { rows } = await q.query<Role>(`SELECT ${COLUMNS} FROM roles WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Role');
  return rows[0];
}

export async function createRole(q: Queryable, b: z.output<typeof createRoleBody>, builtin = false): Promise<Role> {
  try {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO roles (code, name, description, enabled, permissions, builtin) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [b.code, b.name, b.description ?? '', b.enabled ?? true, b.permissions, builtin],
    );
    return getRole(q, rows[0]!.id);
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}

export async function updateRole(q: Queryable, id: string, b: z.output<typeof updateRoleBody>): Promise<Role> {
  try {
    const { rowCount } = await q.query(
      `UPDATE roles SET name = COALESCE($2, name), description = COALESCE($3, description), enabled = COALESCE($4, enabled),
              permissions = COALESCE($5, permissions), updated_at = now() WHERE id = $1`,
      [id, b.name ?? null, b.description ?? null, b.enabled ?? null, b.permissions ?? null],
    );
    if (!rowCount) throw new NotFoundError('Role');
    return getRole(q, id);
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}

/** Built-in roles cannot be deleted (disable them instead); a role still held by users neither. */
export async function deleteRole(q: Queryable, id: string): Promise<Role> {
  const role = await getRole(q, id);
  if (role.builtin) throw new ConflictError(`Role "${role.name}" is built in; disable it instead`, 'role_builtin');
  if (role.userCount > 0) throw new ConflictError(`Role "${role.name}" is held by ${role.userCount} user(s); remove it from them first`, 'role_in_use');
  await q.query('DELETE FROM roles WHERE id = $1', [id]);
  return role;
}
