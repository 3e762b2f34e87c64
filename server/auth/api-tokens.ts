import { z } from 'zod';
import type { Queryable } from '../db/pool';
import { NotFoundError } from '../platform/errors';
import { hashSecret, newSecret } from './secrets';

export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const COLUMNS = `id, name, created_at AS "createdAt", expires_at AS "expiresAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** Creates an integration token acting as the user; the token itself is returned only here. */
export async function createApiToken(q: Queryable, userId: string, body: z.output<typeof createTokenBody>): Promise<ApiTokenInfo & { token: string }> {
  const token = newSecret('hlt');
  const { rows } = await q.query<ApiTokenInfo>(
    `INSERT INTO api_tokens (user_id, name, token_hash, expires_at)
     VALUES ($1, $2, $3, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(days => $4::int) END)
     RETURNING ${COLUMNS}`,
    [userId, body.name, hashSecret(token), body.expiresInDays ?? null],
  );
  return { ...rows[0]!, token };
}

export async function listApiTokens(q: Queryable, userId: string): Promise<ApiTokenInfo[]> {
  const { rows } = await q.query<ApiTokenInfo>(`SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC`, [userId]);
  return rows;
}

export async function revokeApiToken(q: Queryable, userId: string, tokenId: string): Promise<ApiTokenInfo> {
  const { rows } = await q.query<ApiTokenInfo>(
    `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
    [tokenId, userId],
  );
  if (!rows[0]) throw new NotFoundError('API token');
  return rows[0];
}

/** Revokes every live token of a user (their password changed: whoever knew it may have minted tokens). Returns how many. */
export async function revokeAllApiTokens(q: Queryable, userId: string): Promise<number> {
  const r = await q.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
  return r.rowCount ?? 0;
}

/** Resolves a bearer token to its user id, or undefined when unknown, revoked or expired. */
export async function resolveApiToken(q: Queryable, token: string): Promise<{ tokenId: string; userId: string } | undefined> {
  const { rows } = await q.query<{ id: string; user_id: string }>(
    `UPDATE api_tokens SET last_used_at = now()
      WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
      RETURNING id, user_id`,
    [hashSecret(token)],
  );
  return rows[0] ? { tokenId: rows[0].id, userId: rows[0].user_id } : undefined;
}
