import type { Queryable } from '../db/pool';
import { effectivePermissions, type Permission } from './permissions';

export interface UserAccess {
  id: string;
  username: string;
  displayName: string;
  enabled: boolean;
  isSuperadmin: boolean;
  passwordHash: string;
  permissions: Set<Permission>;
}

/** Loads what authentication needs about a user, by id or by login name (username or phone). */
export async function loadUserAccess(q: Queryable, by: { id: string } | { login: string }): Promise<UserAccess | undefined> {
  const where = 'id' in by ? 'u.id = $1' : '(lower(u.username) = lower($1) OR u.phone = $1)';
  const value = 'id' in by ? by.id : by.login;
  const { rows } = await q.query<{
    id: string;
    username: string;
    display_name: string;
    enabled: boolean;
    is_superadmin: boolean;
    password_hash: string;
    roles: { enabled: boolean; permissions: string[] }[];
  }>(
    `SELECT u.id, u.username, u.display_name, u.enabled, u.is_superadmin, u.password_hash,
            COALESCE(json_agg(json_build_object('enabled', r.enabled, 'permissions', r.permissions)) FILTER (WHERE r.id IS NOT NULL), '[]') AS roles
       FROM users u
       LEFT JOIN user_roles ur ON ur.user_id = u.id
       LEFT JOIN roles r ON r.id = ur.role_id
      WHERE ${where}
      GROUP BY u.id
      LIMIT 1`,
    [value],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    enabled: row.enabled,
    isSuperadmin: row.is_superadmin,
    passwordHash: row.password_hash,
    permissions: effectivePermissions({ isSuperadmin: row.is_superadmin }, row.roles),
  };
}
