import crypto from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/pool';
import { NotFoundError } from '../platform/errors';

export const updateEndpointBody = z
  .object({
    mode: z.enum(['softphone', 'external']).optional().describe('softphone: the browser registers; external: calls go to externalNumber'),
    externalNumber: z.string().trim().regex(/^\+?[0-9]{3,20}$/, 'must be 3-20 digits, optionally starting with +').nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .refine((b) => b.mode !== 'external' || b.externalNumber, { message: 'an external number is required for mode external', path: ['externalNumber'] });

export interface AgentEndpoint {
  agentId: string;
  sipUsername: string;
  mode: 'softphone' | 'external';
  externalNumber: string | null;
  rotatedAt: string;
}

export interface AgentEndpointSecret extends AgentEndpoint {
  sipPassword: string;
}

const COLUMNS = `user_id AS "agentId", sip_username AS "sipUsername", mode, external_number AS "externalNumber", rotated_at AS "rotatedAt"`;

function newSipPassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** A SIP user name derived from the login name, made unique by a suffix when two logins map to the same one. */
function sipUsernameFor(username: string, attempt: number): string {
  const base = username.toLowerCase().replace(/[^a-z0-9_.-]/g, '_').slice(0, 56) || 'agent';
  return attempt === 0 ? base.padEnd(2, '_') : `${base}-${attempt}`;
}

/** The agent's endpoint, created with fresh credentials on first use. */
export async function ensureEndpoint(q: Queryable, agent: { id: string; username: string }): Promise<AgentEndpointSecret> {
  const existing = await q.query<AgentEndpointSecret>(`SELECT ${COLUMNS}, sip_password AS "sipPassword" FROM agent_endpoints WHERE user_id = $1`, [agent.id]);
  if (existing.rows[0]) return existing.rows[0];
  for (let attempt = 0; attempt < 20; attempt++) {
    const { rows } = await q.query<AgentEndpointSecret>(
      `INSERT INTO agent_endpoints (user_id, sip_username, sip_password) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}, sip_password AS "sipPassword"`,
      [agent.id, sipUsernameFor(agent.username, attempt), newSipPassword()],
    );
    if (rows[0]) return rows[0];
    // Either this agent's row appeared concurrently, or the SIP name is taken: look again, then try the next name.
    const again = await q.query<AgentEndpointSecret>(`SELECT ${COLUMNS}, sip_password AS "sipPassword" FROM agent_endpoints WHERE user_id = $1`, [agent.id]);
    if (again.rows[0]) return again.rows[0];
  }
  throw new Error(`could not allocate a SIP user name for ${agent.username}`);
}

export async function updateEndpoint(q: Queryable, agentId: string, b: z.output<typeof updateEndpointBody>): Promise<AgentEndpoint> {
  const { rows } = await q.query<AgentEndpoint>(
    `UPDATE agent_endpoints SET mode = COALESCE($2, mode), external_number = CASE WHEN $3::boolean THEN $4 ELSE external_number END
      WHERE user_id = $1 RETURNING ${COLUMNS}`,
    [agentId, b.mode ?? null, b.externalNumber !== undefined, b.externalNumber ?? null],
  );
  if (!rows[0]) throw new NotFoundError('Agent endpoint');
  return rows[0];
}

/** New SIP password: the old one stops working at the softphone's next registration. */
export async function rotateSipPassword(q: Queryable, agentId: string): Promise<AgentEndpointSecret> {
  const { rows } = await q.query<AgentEndpointSecret>(
    `UPDATE agent_endpoints SET sip_password = $2, rotated_at = now() WHERE user_id = $1 RETURNING ${COLUMNS}, sip_password AS "sipPassword"`,
    [agentId, newSipPassword()],
  );
  if (!rows[0]) throw new NotFoundError('Agent endpoint');
  return rows[0];
}

/** What the FreeSWITCH directory needs: only enabled agents' endpoints exist for it. */
export async function directoryEntry(q: Queryable, sipUsername: string): Promise<{ sipUsername: string; sipPassword: string; agentId: string; displayName: string } | undefined> {
  const { rows } = await q.query<{ sipUsername: string; sipPassword: string; agentId: string; displayName: string }>(
    `SELECT e.sip_username AS "sipUsername", e.sip_password AS "sipPassword", u.id AS "agentId", u.display_name AS "displayName"
       FROM agent_endpoints e JOIN users u ON u.id = e.user_id
      WHERE e.sip_username = lower($1) AND u.enabled`,
    [sipUsername],
  );
  return rows[0];
}
