import { z } from 'zod';
import { mapConstraintError } from '../db/errors';
import type { Queryable } from '../db/pool';
import { NotFoundError } from '../platform/errors';
import { queryOffset } from '../platform/numbers';
import { isPhoneNumber, normalizeNumber } from './numbers';

export type BlacklistChannel = 'voice' | 'chat';

export const addEntryBody = z
  .object({
    channel: z.enum(['voice', 'chat']),
    value: z.string().trim().min(1).max(128).describe('phone number (voice) or visitor id (chat)'),
    reason: z.string().trim().max(500).default(''),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('omit for a permanent entry'),
  })
  .transform((b) => ({ ...b, value: b.channel === 'voice' ? normalizeNumber(b.value) : b.value }))
  .refine((b) => b.channel !== 'voice' || isPhoneNumber(b.value), { message: 'must be a phone number', path: ['value'] })
  .refine((b) => !b.expiresAt || Date.parse(b.expiresAt) > Date.now(), { message: 'must be in the future', path: ['expiresAt'] });

export const listQuery = z.object({
  channel: z.enum(['voice', 'chat']).optional(),
  q: z.string().trim().max(128).optional(),
  includeExpired: z.enum(['true', 'false']).transform((v) => v === 'true').default(false),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: queryOffset().default(0),
});

export interface BlacklistEntry {
  id: string;
  channel: BlacklistChannel;
  value: string;
  reason: string;
  expiresAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

const COLUMNS = `id, channel, value, reason, expires_at AS "expiresAt", created_by AS "createdBy", created_at AS "createdAt"`;
const LIVE = `removed_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;

export async function addEntry(q: Queryable, b: z.output<typeof addEntryBody>, by: string | null): Promise<BlacklistEntry> {
  // An expired entry for the same value is history: retire it so the new one can be live.
  await q.query(`UPDATE blacklist_entries SET removed_at = now() WHERE channel = $1 AND value = $2 AND removed_at IS NULL AND expires_at <= now()`, [b.channel, b.value]);
  try {
    const { rows } = await q.query<BlacklistEntry>(
      `INSERT INTO blacklist_entries (channel, value, reason, expires_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [b.channel, b.value, b.reason, b.expiresAt ?? null, by],
    );
    return rows[0]!;
  } catch (err) {
    mapConstraintError(err, { blacklist_live: { field: 'value', message: 'This value is already blacklisted' } });
  }
}

export async function removeEntry(q: Queryable, id: string, by: string | null): Promise<BlacklistEntry> {
  const { rows } = await q.query<BlacklistEntry>(`UPDATE blacklist_entries SET removed_at = now(), removed_by = $2 WHERE id = $1 AND removed_at IS NULL RETURNING ${COLUMNS}`, [id, by]);
  if (!rows[0]) throw new NotFoundError('Blacklist entry');
  return rows[0];
}

export async function listEntries(q: Queryable, f: z.output<typeof listQuery>): Promise<BlacklistEntry[]> {
  const { rows } = await q.query<BlacklistEntry>(
    `SELECT ${COLUMNS} FROM blacklist_entries
      WHERE removed_at IS NULL AND ($1::boolean OR expires_at IS NULL OR expires_at > now())
        AND ($2::text IS NULL OR channel = $2) AND ($3::text IS NULL OR value LIKE '%' || $3 || '%')
      ORDER BY created_at DESC LIMIT $4 OFFSET $5`,
    [f.includeExpired, f.channel ?? null, f.q ?? null, f.limit, f.offset],
  );
  return rows;
}

/** The live entry blocking this caller or visitor, if any. Phone numbers are normalised first. */
export async function findBlocking(q: Queryable, channel: BlacklistChannel, value: string): Promise<BlacklistEntry | undefined> {
  const v = channel === 'voice' ? normalizeNumber(value) : value;
  const { rows } = await q.query<BlacklistEntry>(`SELECT ${COLUMNS} FROM blacklist_entries WHERE channel = $1 AND value = $2 AND ${LIVE} LIMIT 1`, [channel, v]);
  return rows[0];
}
