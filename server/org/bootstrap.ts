import { recordAudit, SYSTEM_ACTOR } from '../audit/audit';
import { BUILTIN_ROLES, PERMISSION_CODES } from '../auth/permissions';
import { hashPassword } from '../auth/passwords';
import { generatePassword } from '../auth/secrets';
import { inTransaction, type Db } from '../db/pool';
import type { Logger } from '../logging/logger';

/**
 * First start: the built-in roles and the first admin (a superadmin who can do
 * everything). With no ADMIN_PASSWORD a password is generated and printed once;
 * only its hash is kept. Later starts change nothing.
 */
export async function bootstrapPeople(db: Db, admin: { username: string; password?: string }, log: Logger): Promise<void> {
  const generated = await inTransaction(db, async (tx) => {
    // Serialise concurrent first starts of several processes.
    await tx.query('SELECT pg_advisory_xact_lock(7420002)');
    for (const role of BUILTIN_ROLES) {
      const { rowCount } = await tx.query(
        `INSERT INTO roles (code, name, description, permissions, builtin) VALUES ($1, $2, $3, $4, true) ON CONFLICT DO NOTHING`,
        [role.code, role.name, role.description, role.permissions],
      );
      if (rowCount) await recordAudit(tx, { actor: SYSTEM_ACTOR, action: 'role.create', entityType: 'role', entityId: role.code, after: role });
    }
    // The built-in admin role means "every permission", including codes added by later versions.
    await tx.query(`UPDATE roles SET permissions = $1 WHERE code = 'admin' AND builtin AND NOT permissions @> $1`, [PERMISSION_CODES]);
    const { rowCount: hasAdmin } = await tx.query('SELECT 1 FROM users WHERE is_superadmin LIMIT 1');
    if (hasAdmin) return undefined;
    const password = admin.password ?? generatePassword();
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO users (username, password_hash, display_name, employee_no, is_superadmin)
       VALUES ($1, $2, 'Administrator', 'ADMIN-0001', true) RETURNING id`,
      [admin.username, await hashPassword(password)],
    );
    await tx.query(`INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE code = 'admin'`, [rows[0]!.id]);
    await recordAudit(tx, { actor: SYSTEM_ACTOR, action: 'agent.create', entityType: 'agent', entityId: rows[0]!.id, after: { username: admin.username, isSuperadmin: true } });
    return admin.password ? undefined : password;
  });
  if (generated) {
    // Printed once, to the console rather than the JSON log, so it is seen and not shipped to log storage.
    process.stdout.write(
      `\n================================================================\n` +
        ` First admin created.  username: ${admin.username}   password: ${generated}\n` +
        ` This password is shown only once. Change it after logging in.\n` +
        `================================================================\n\n`,
    );
    log.warn({ username: admin.username }, 'first admin created with a generated password (printed once above)');
  }
}
