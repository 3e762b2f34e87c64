/** Call records as the API reads them: search with paging, detail, notes, tags, callbacks. */
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { Db, Queryable } from '../db/pool';
import { ConflictError, ForbiddenError, NotFoundError } from '../platform/errors';
import { queryOffset, querySeconds } from '../platform/numbers';

const csv = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);

export const searchQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  number: z.string().trim().max(32).optional().describe('caller or called number (substring)'),
  direction: z.enum(['inbound', 'outbound']).optional(),
  disposition: z.preprocess(csv, z.array(z.string().max(32)).max(20)).optional(),
  skillGroupId: z.preprocess(csv, z.array(z.uuid()).max(50)).optional(),
  agentId: z.uuid().optional(),
  callId: z.uuid().optional(),
  tagId: z.uuid().optional(),
  survey: z.string().max(100).optional().describe('first-level survey answer label'),
  repeat: z.enum(['24h', '48h']).optional(),
  minTalkSec: querySeconds().optional(),
  maxTalkSec: querySeconds().optional(),
  minWaitSec: querySeconds().optional(),
  maxWaitSec: querySeconds().optional(),
  minRingSec: querySeconds().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: queryOffset().default(0),
});
export type SearchQuery = z.output<typeof searchQuery>;

export const CALL_COLUMNS = `c.id, c.direction, c.caller_number AS "callerNumber", c.destination_number AS "destinationNumber", c.service_number AS "serviceNumber",
  c.skill_group_id AS "skillGroupId", g.name AS "skillGroupName", c.started_at AS "startedAt", c.ivr_ended_at AS "ivrEndedAt", c.queued_at AS "queuedAt",
  c.first_offered_at AS "firstOfferedAt", c.answered_at AS "answeredAt", c.agent_left_at AS "agentLeftAt", c.ended_at AS "endedAt",
  c.disposition, c.end_cause AS "endCause", c.agent_id AS "agentId", u.display_name AS "agentName", c.agent_ids AS "agentIds", c.offer_count AS "offerCount",
  c.queue_wait_ms AS "queueWaitMs", c.ring_ms AS "ringMs", c.talk_ms AS "talkMs", c.hold_ms AS "holdMs", c.hold_count AS "holdCount", c.wrap_up_ms AS "wrapUpMs",
  c.transfer_count AS "transferCount", c.recording_id AS "recordingId", c.survey_level1 AS "surveyLevel1", c.survey_level2 AS "surveyLevel2",
  c.notes, c.repeat_24h AS "repeat24h", c.repeat_48h AS "repeat48h", c.ivr_outcome AS "ivrOutcome"`;

/** WHERE clause and parameters for a search (shared with the xlsx export). */
export function searchWhere(q: Omit<SearchQuery, 'limit' | 'offset'>, onlyAgent: string | undefined): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const conds: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (onlyAgent) conds.push(`${p(onlyAgent)}::uuid = ANY(c.agent_ids)`);
  if (q.from) conds.push(`c.started_at >= ${p(q.from)}`);
  if (q.to) conds.push(`c.started_at < ${p(q.to)}`);
  if (q.number) {
    const n = p(`%${q.number.replace(/[%_\\]/g, '\\$&')}%`);
    conds.push(`(c.caller_number LIKE ${n} OR c.destination_number LIKE ${n})`);
  }
  if (q.direction) conds.push(`c.direction = ${p(q.direction)}`);
  if (q.disposition?.length) conds.push(`c.disposition = ANY(${p(q.disposition)})`);
  if (q.skillGroupId?.length) conds.push(`c.skill_group_id = ANY(${p(q.skillGroupId)}::uuid[])`);
  if (q.agentId) conds.push(`${p(q.agentId)}::uuid = ANY(c.agent_ids)`);
  if (q.callId) conds.push(`c.id = ${p(q.callId)}`);
  if (q.tagId) conds.push(`EXISTS (SELECT 1 FROM call_tags t WHERE t.call_id = c.id AND t.tag_id = ${p(q.tagId)})`);
  if (q.survey) conds.push(`c.survey_level1 = ${p(q.survey)}`);
  if (q.repeat === '24h') conds.push('c.repeat_24h');
  if (q.repeat === '48h') conds.push('c.repeat_48h');
  if (q.minTalkSec !== undefined) conds.push(`c.talk_ms >= ${p(q.minTalkSec * 1000)}`);
  if (q.maxTalkSec !== undefined) conds.push(`c.talk_ms <= ${p(q.maxTalkSec * 1000)}`);
  if (q.minWaitSec !== undefined) conds.push(`c.queue_wait_ms >= ${p(q.minWaitSec * 1000)}`);
  if (q.maxWaitSec !== undefined) conds.push(`c.queue_wait_ms <= ${p(q.maxWaitSec * 1000)}`);
  if (q.minRingSec !== undefined) conds.push(`c.ring_ms >= ${p(q.minRingSec * 1000)}`);
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export const CALL_FROM = 'calls c LEFT JOIN skill_groups g ON g.id = c.skill_group_id LEFT JOIN users u ON u.id = c.agent_id';

export async function searchCalls(db: Queryable, q: SearchQuery, onlyAgent: string | undefined): Promise<{ total: number; items: Record<string, unknown>[] }> {
  const { where, params } = searchWhere(q, onlyAgent);
  const [count, page] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM calls c ${where}`, params),
    db.query<Record<string, unknown>>(`SELECT ${CALL_COLUMNS} FROM ${CALL_FROM} ${where} ORDER BY c.started_at DESC, c.id LIMIT ${q.limit} OFFSET ${q.offset}`, params),
  ]);
  return { total: count.rows[0]?.n ?? 0, items: page.rows };
}

export async function callDetail(db: Queryable, id: string, onlyAgent: string | undefined): Promise<Record<string, unknown>> {
  const { rows } = await db.query(`SELECT ${CALL_COLUMNS} FROM ${CALL_FROM} WHERE c.id = $1`, [id]);
  const call = rows[0] as (Record<string, unknown> & { agentIds: string[] }) | undefined;
  if (!call || (onlyAgent && !call.agentIds.includes(onlyAgent))) throw new NotFoundError('Call');
  const [legs, events, tags, trail, survey] = await Promise.all([
    db.query(`SELECT uuid, kind, agent_id AS "agentId", number, created_at AS "createdAt", answered_at AS "answeredAt", ended_at AS "endedAt", end_cause AS "endCause", outcome FROM call_legs WHERE call_id = $1 ORDER BY created_at, uuid`, [id]),
    db.query(`SELECT at, type, agent_id AS "agentId", data FROM call_events WHERE call_id = $1 ORDER BY id`, [id]),
    db.query(`SELECT d.id, d.kind, d.name, d.parent_id AS "parentId", t.added_by AS "addedBy", t.added_at AS "addedAt" FROM call_tags t JOIN call_tag_defs d ON d.id = t.tag_id WHERE t.call_id = $1 ORDER BY t.added_at`, [id]),
    db.query(`SELECT seq, at, node_id AS "nodeId", node_type AS "nodeType", kind, exit, data FROM ivr_trail WHERE call_id = $1 ORDER BY seq`, [id]),
    db.query(`SELECT survey, level1_digit AS "level1Digit", level1_label AS "level1Label", level2_digit AS "level2Digit", level2_label AS "level2Label", agent_id AS "agentId", created_at AS "at" FROM survey_results WHERE call_id = $1 ORDER BY created_at`, [id]),
  ]);
  return { ...call, legs: legs.rows, events: events.rows, tags: tags.rows, ivrTrail: trail.rows, surveys: survey.rows };
}

async function assertVisible(db: Queryable, callId: string, onlyAgent: string | undefined): Promise<void> {
  const { rows } = await db.query<{ agent_ids: string[] }>('SELECT agent_ids FROM calls WHERE id = $1', [callId]);
  if (!rows[0] || (onlyAgent && !rows[0].agent_ids.includes(onlyAgent))) throw new NotFoundError('Call');
}

export async function setNotes(db: Queryable, callId: string, notes: string, onlyAgent: string | undefined): Promise<{ notes: string }> {
  await assertVisible(db, callId, onlyAgent);
  await db.query('UPDATE calls SET notes = $2 WHERE id = $1', [callId, notes]);
  return { notes };
}

export async function tagCall(db: Queryable, callId: string, tagId: string, p: Principal, all: boolean): Promise<void> {
  await assertVisible(db, callId, all ? undefined : p.userId);
  const { rows } = await db.query<{ kind: string; enabled: boolean }>('SELECT kind, enabled FROM call_tag_defs WHERE id = $1', [tagId]);
  const def = rows[0];
  if (!def || !def.enabled) throw new NotFoundError('Tag');
  if (def.kind === 'quality' && !all) throw new ForbiddenError('Quality tags are set by QA and supervisors');
  await db.query('INSERT INTO call_tags (call_id, tag_id, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [callId, tagId, p.userId]);
}

export async function untagCall(db: Queryable, callId: string, tagId: string, p: Principal, all: boolean): Promise<void> {
  await assertVisible(db, callId, all ? undefined : p.userId);
  await db.query('DELETE FROM call_tags WHERE call_id = $1 AND tag_id = $2', [callId, tagId]);
}

export async function listTagDefs(db: Queryable): Promise<unknown[]> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT id, kind, parent_id AS "parentId", name, enabled FROM call_tag_defs ORDER BY kind, name`);
  return rows;
}

export async function createTagDef(db: Queryable, b: { kind: 'call' | 'quality'; name: string; parentId?: string }): Promise<unknown> {
  if (b.parentId) {
    const { rows } = await db.query<{ kind: string }>('SELECT kind FROM call_tag_defs WHERE id = $1', [b.parentId]);
    if (!rows[0]) throw new NotFoundError('Parent tag');
    if (rows[0].kind !== b.kind) throw new ConflictError('A tag and its parent must be of the same kind');
  }
  try {
    const { rows } = await db.query(`INSERT INTO call_tag_defs (kind, name, parent_id) VALUES ($1, $2, $3) RETURNING id, kind, parent_id AS "parentId", name, enabled`, [b.kind, b.name, b.parentId ?? null]);
    return rows[0];
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new ConflictError('A tag with this name exists at this level', 'duplicate');
    throw err;
  }
}

const CB_COLUMNS = `b.id, b.call_id AS "callId", b.number, b.reason, b.status, b.assigned_to AS "assignedTo", b.assigned_by AS "assignedBy", b.assigned_at AS "assignedAt",
  b.done_at AS "doneAt", b.done_call_id AS "doneCallId", b.note, b.created_at AS "createdAt"`;

export async function listCallbacks(db: Queryable, q: { status?: string; limit: number; offset: number }, onlyAgent: string | undefined): Promise<unknown[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${CB_COLUMNS} FROM call_callbacks b WHERE ($1::text IS NULL OR b.status = $1) AND ($2::uuid IS NULL OR b.assigned_to = $2)
      ORDER BY b.created_at DESC LIMIT $3 OFFSET $4`,
    [q.status ?? null, onlyAgent ?? null, q.limit, q.offset],
  );
  return rows;
}

export async function assignCallbacks(db: Db, ids: string[], agentId: string, by: string): Promise<{ assigned: number }> {
  const { rowCount } = await db.query(
    `UPDATE call_callbacks SET status = 'assigned', assigned_to = $2, assigned_by = $3, assigned_at = now() WHERE id = ANY($1::uuid[]) AND status <> 'done'`,
    [ids, agentId, by],
  );
  return { assigned: rowCount ?? 0 };
}

export async function finishCallback(db: Db, id: string, b: { note: string; callId?: string }, by: string, supervisor: boolean): Promise<unknown> {
  const { rows } = await db.query(
    `UPDATE call_callbacks b SET status = 'done', done_at = now(), note = $2, done_call_id = $3
      WHERE b.id = $1 AND b.status <> 'done' AND ($4 OR b.assigned_to = $5) RETURNING ${CB_COLUMNS}`,
    [id, b.note, b.callId ?? null, supervisor, by],
  );
  if (!rows[0]) throw new NotFoundError('Open callback assigned to you');
  return rows[0];
}
