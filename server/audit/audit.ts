import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Queryable } from '../db/pool';

/** Who made a change: a logged-in user, or Hotline itself (bootstrap, migrations). */
export type Actor = Pick<Principal, 'userId' | 'username'> | { userId: null; username: 'system' };

export const SYSTEM_ACTOR: Actor = { userId: null, username: 'system' };

export interface AuditEntry {
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string;
}

/** Secrets never enter the audit log, even hashed. */
const SECRET_KEYS = new Set(['password', 'password_hash', 'passwordHash', 'token', 'token_hash', 'tokenHash', 'secret', 'sipPassword', 'sip_password']);

function scrub(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object') return value ?? null;
  // A Date has no own enumerable keys: walking it like a plain object stored `{}` (createdAt: {}).
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(scrub);
  return Object.fromEntries(Object.entries(value).filter(([k]) => !SECRET_KEYS.has(k)).map(([k, v]) => [k, scrub(v)]));
}

/** Appends one audit row; call it with the transaction's client so the row commits with the change. */
export async function recordAudit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (actor_id, actor_name, action, entity_type, entity_id, before, after, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.actor.userId, e.actor.username, e.action, e.entityType, e.entityId, JSON.stringify(scrub(e.before)), JSON.stringify(scrub(e.after)), e.ip ?? null],
  );
}

export const auditQuery = z.object({
  entityType: z.string().max(64).optional(),
  entityId: z.string().max(64).optional(),
  actorId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().optional().describe('return entries with id below this (paging)'),
});

export interface AuditRow {
  id: number;
  at: string;
  actorId: string | null;
  actorName: string;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export async function listAudit(q: Queryable, f: z.output<typeof auditQuery>): Promise<AuditRow[]> {
  const { rows } = await q.query<AuditRow>(
    `SELECT id, at, actor_id AS "actorId", actor_name AS "actorName", action, entity_type AS "entityType",
            entity_id AS "entityId", before, after, ip
       FROM audit_log
      WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::text IS NULL OR entity_id = $2)
        AND ($3::uuid IS NULL OR actor_id = $3) AND ($4::bigint IS NULL OR id < $4)
      ORDER BY id DESC LIMIT $5`,
    [f.entityType ?? null, f.entityId ?? null, f.actorId ?? null, f.before ?? null, f.limit],
  );
  return rows;
}
